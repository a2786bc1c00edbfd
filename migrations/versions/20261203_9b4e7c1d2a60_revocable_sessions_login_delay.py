"""revocable sessions and login delay: a session version per user; login throttle rows per
address and per username, with the time a delayed username is checked again (the per-user
lock is gone)

Revision ID: 9b4e7c1d2a60
Revises: e1f2a3b4c5d6
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '9b4e7c1d2a60'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.drop_column('locked_until')
    # Throttle keys change form (sha256 of "addr:…" / "user:…"): the old counters, a quarter
    # of an hour's worth, cannot be carried over.
    op.execute('DELETE FROM login_throttle')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.execute('DELETE FROM login_throttle')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_column('blocked_until')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('session_version')
