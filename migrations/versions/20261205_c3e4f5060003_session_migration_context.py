"""Ears on the ground (#12): the migration context of a counselling session

Three optional, coarse answers the trend signals read: the route considered, the fee band a
recruiter or smuggler quoted, and where the client's information came from; and the version
of those questions the answers were given in (NULL when none was answered).

Revision ID: c3e4f5060003
Revises: b2d3f4050002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c3e4f5060003'
down_revision = 'b2d3f4050002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counselling_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('fee_band', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('info_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('context_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('counselling_session', schema=None) as batch_op:
        batch_op.drop_column('context_version')
        batch_op.drop_column('info_source')
        batch_op.drop_column('fee_band')
        batch_op.drop_column('route')
