"""Disclosure control (#11): a record key per client and session, key sums in the summaries

Every client and counselling session gets a random record key (mrc.privacy.cellkey), drawn
here by the database's own generator (seeded from the operating system on PostgreSQL and
SQLite), later by Python's ``secrets``. Beside each count of the case summary tables a
``*_key`` column holds the sum of the contributing records' keys. The summaries are derived
data: this migration asks for a rebuild, which ``migrations/env.py`` runs once the upgrade
has reached the head revision (the current code's definition of the rows).

Revision ID: f6b7c8090006
Revises: e5a6b7080005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f6b7c8090006'
down_revision = 'e5a6b7080005'
branch_labels = None
depends_on = None

KEYED = {
    'agg_session_month': ('sessions', 'new_clients'),
    'agg_client_month': ('clients',),
    'agg_outcome_month': ('baseline_n', 'baseline_irregular', 'baseline_regular', 'due',
                          'reached', 'unreachable', 'followup_n', 'followup_irregular',
                          'followup_regular', 'info_answered', 'info_used', 'paired'),
}
RECORDS = ('client', 'counselling_session')


def _random_key() -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return 'floor(random() * 2147483648)::integer'
    return 'abs(random() % 2147483648)'


def upgrade() -> None:
    for table in RECORDS:
        # Added NOT NULL with a default, then filled: SQLite adds such a column in place (a
        # rebuilt client table would break the foreign keys pointing at it). PostgreSQL then
        # drops the default; SQLite keeps it (the application always sets a key).
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('record_key', sa.Integer(), nullable=False,
                                          server_default='0'))
        # Fixed table names and a fixed expression: nothing from outside.
        op.execute(f'UPDATE {table} SET record_key = {_random_key()}')  # noqa: S608
        if op.get_bind().dialect.name == 'postgresql':
            op.alter_column(table, 'record_key', server_default=None)
    for table, counts in KEYED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in counts:
                batch_op.add_column(sa.Column(f'{name}_key', sa.BigInteger(), nullable=False,
                                              server_default='0'))
    op.get_context().config.attributes['rebuild_summaries'] = True


def downgrade() -> None:
    for table, counts in KEYED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in counts:
                batch_op.drop_column(f'{name}_key')
    for table in RECORDS:
        if op.get_bind().dialect.name == 'postgresql':
            op.drop_column(table, 'record_key')
        else:  # in place (SQLite 3.35+), as it was added
            op.execute(f'ALTER TABLE {table} DROP COLUMN record_key')
