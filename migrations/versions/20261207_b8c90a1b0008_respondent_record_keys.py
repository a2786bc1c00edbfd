"""Disclosure control (#11): a record key per comparison respondent, for the impact tables

Like clients, sessions and referrals (f6b7c8090006, a7b8c90a0007), every comparison-survey
respondent gets a random record key (mrc.privacy.cellkey), drawn here by the database's own
generator, later by Python's ``secrets``: the impact tables publish their counts of
respondents with the cell key method from their sum. Nothing to rebuild: the impact tables
read the respondents directly.

Revision ID: b8c90a1b0008
Revises: a7b8c90a0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b8c90a1b0008'
down_revision = 'a7b8c90a0007'
branch_labels = None
depends_on = None


def _random_key() -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return 'floor(random() * 2147483648)::integer'
    return 'abs(random() % 2147483648)'


def upgrade() -> None:
    # As for referrals: NOT NULL with a default, then filled in place (SQLite keeps the default).
    with op.batch_alter_table('comparison_respondent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_key', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(f'UPDATE comparison_respondent SET record_key = {_random_key()}')  # noqa: S608
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('comparison_respondent', 'record_key', server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('comparison_respondent', 'record_key')
    else:  # in place (SQLite 3.35+), as it was added
        op.execute('ALTER TABLE comparison_respondent DROP COLUMN record_key')
