"""JSON API (#13): a job's result is downloadable once through the API

``job.api_downloaded_at``: when the job's file was downloaded through ``/api/v1/`` (null
until then). The API's download sets it with a conditional UPDATE (``WHERE
api_downloaded_at IS NULL``), so of two concurrent downloads only one succeeds.

Revision ID: e1f2a3b4c012
Revises: d1e2f3a4c011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e1f2a3b4c012'
down_revision = 'd1e2f3a4c011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_downloaded_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('api_downloaded_at')
