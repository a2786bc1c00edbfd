"""Each MRC's hotline, address and opening hours (per language where text)

Revision ID: a1c2e3f40001
Revises: 9b4e7c1d2a60
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = 'a1c2e3f40001'
down_revision = '9b4e7c1d2a60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
