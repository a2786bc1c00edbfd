"""Correcting mistakes: sessions deleted in error (soft), audited before/after

Revision ID: b2d3f4050002
Revises: a1c2e3f40001
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = 'b2d3f4050002'
down_revision = 'a1c2e3f40001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
