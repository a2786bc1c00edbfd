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

STAMPED = (('client', 'ix_client_mrc_updated'), ('counselling_session', 'ix_session_mrc_updated'))


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
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, index in STAMPED:
        # Added NOT NULL with a default, then filled: SQLite adds such a column in place (a
        # rebuilt client table would break the foreign keys pointing at it), as the record
        # keys were. PostgreSQL then drops the default; SQLite keeps it (the ORM always
        # stamps the column).
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True),
                                          nullable=False,
                                          server_default='1970-01-01 00:00:00'))
        # Every existing row was last changed, as far as anyone knows, when it was made.
        op.execute(f"UPDATE {table} SET updated_at = created_at")  # noqa: S608 - fixed names
        if postgresql:
            op.alter_column(table, 'updated_at', server_default=None)
        op.create_index(index, table, ['mrc_id', 'updated_at', 'id'], unique=False)


def downgrade() -> None:
    for table, index in STAMPED:
        op.drop_index(index, table_name=table)
        if op.get_bind().dialect.name == 'postgresql':
            op.drop_column(table, 'updated_at')
        else:  # in place (SQLite 3.35+), as it was added
            op.execute(f'ALTER TABLE {table} DROP COLUMN updated_at')
    with op.batch_alter_table('api_idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotent_request_created_at'))
    op.drop_table('api_idempotent_request')
