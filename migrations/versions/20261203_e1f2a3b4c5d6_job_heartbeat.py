"""job heartbeat: a running job's last sign of life, to find jobs whose worker died

Revision ID: e1f2a3b4c5d6
Revises: c8a3e4f5d603
Create Date: 2026-12-03 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e1f2a3b4c5d6'
down_revision = 'c8a3e4f5d603'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
