"""JSON API (#13): idempotency keys of POSTs; last-change stamps on clients and sessions

Revision ID: d1e2f3a4c011
Revises: c9d0a1b2c009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd1e2f3a4c011'
down_revision = 'c9d0a1b2c009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_api_idempotent_request_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotent_request')),
        sa.UniqueConstraint('user_id', 'key', name='uq_api_idempotent_user_key'),
    )
    with op.batch_alter_table('api_idempotent_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotent_request_created_at'),
                              ['created_at'], unique=False)
    for table, index in (('client', 'ix_client_mrc_updated'),
                         ('counselling_session', 'ix_session_mrc_updated')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True),
                                          nullable=True))
        # Every existing row was last changed, as far as anyone knows, when it was made.
        op.execute(f"UPDATE {table} SET updated_at = created_at")  # noqa: S608 - fixed names
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True),
                                  nullable=False)
            batch_op.create_index(index, ['mrc_id', 'updated_at', 'id'], unique=False)


def downgrade() -> None:
    for table, index in (('client', 'ix_client_mrc_updated'),
                         ('counselling_session', 'ix_session_mrc_updated')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
            batch_op.drop_column('updated_at')
    with op.batch_alter_table('api_idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotent_request_created_at'))
    op.drop_table('api_idempotent_request')
