"""Correcting mistakes: sessions deleted in error (soft), audited before/after

A counselling session entered in error is kept (for the audit trail) but marked deleted:
when, by whom and the coded reason. Every query of sessions leaves deleted ones out.

Revision ID: b2d3f4050002
Revises: a1c2e3f40001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b2d3f4050002'
down_revision = 'a1c2e3f40001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counselling_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deleted_reason', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_counselling_session_deleted_by_id_user_account'),
            'user_account', ['deleted_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('counselling_session', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_counselling_session_deleted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('deleted_reason')
        batch_op.drop_column('deleted_by_id')
        batch_op.drop_column('deleted_at')
