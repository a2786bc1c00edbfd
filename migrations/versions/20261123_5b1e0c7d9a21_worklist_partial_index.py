"""partial index for the due follow-ups worklist

Revision ID: 5b1e0c7d9a21
Revises: 128734bb92e9
Create Date: 2026-11-23 08:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5b1e0c7d9a21'
down_revision = '128734bb92e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_client_followup_open", "client", ["id"], unique=False,
        postgresql_where=sa.text("followup_consent IS TRUE AND erased_at IS NULL"),
        sqlite_where=sa.text("followup_consent = 1 AND erased_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_client_followup_open", table_name="client")
