"""Disclosure control (#11): a record key per referral, for the referral aggregates

Like clients and sessions (f6b7c8090006), every referral gets a random record key
(mrc.privacy.cellkey), drawn here by the database's own generator, later by Python's
``secrets``. Referral aggregates are read straight from this table, so there is no summary
to rebuild: their key sums are summed in the same grouped query as their counts.

Revision ID: a7b8c90a0007
Revises: f6b7c8090006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7b8c90a0007'
down_revision = 'f6b7c8090006'
branch_labels = None
depends_on = None


def _random_key() -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return 'floor(random() * 2147483648)::integer'
    return 'abs(random() % 2147483648)'


def upgrade() -> None:
    # As for clients: NOT NULL with a default, then filled in place (SQLite keeps the default).
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_key', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(f'UPDATE referral SET record_key = {_random_key()}')  # noqa: S608
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('referral', 'record_key', server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('referral', 'record_key')
    else:  # in place (SQLite 3.35+), as it was added
        op.execute('ALTER TABLE referral DROP COLUMN record_key')
