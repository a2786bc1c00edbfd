"""display preferences: calendar and Latin digits

Revision ID: 7c3d2e1f4a55
Revises: 5b1e0c7d9a21
Create Date: 2026-11-23 08:25:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7c3d2e1f4a55'
down_revision = '5b1e0c7d9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('latin_digits', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('latin_digits')
        batch_op.drop_column('calendar')
