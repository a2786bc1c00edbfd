"""Capture without a connection (#13): client codes reserved for a capture device

``capture_code_block``: a block of client codes reserved for one device (its API token) at
one MRC; ``capture_code``: its codes (random, unique), each used at most once.

Revision ID: f3a4b5c6d015
Revises: f1a2b3c4d013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f3a4b5c6d015'
down_revision = 'f1a2b3c4d013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'capture_code_block',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'],
                                name=op.f('fk_capture_code_block_token_id_api_token')),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'],
                                name=op.f('fk_capture_code_block_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capture_code_block')),
    )
    op.create_index(op.f('ix_capture_code_block_token_id'), 'capture_code_block',
                    ['token_id'], unique=False)
    op.create_table(
        'capture_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['block_id'], ['capture_code_block.id'],
                                name=op.f('fk_capture_code_block_id_capture_code_block')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capture_code')),
        sa.UniqueConstraint('code', name=op.f('uq_capture_code_code')),
    )
    op.create_index(op.f('ix_capture_code_block_id'), 'capture_code', ['block_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_capture_code_block_id'), table_name='capture_code')
    op.drop_table('capture_code')
    op.drop_index(op.f('ix_capture_code_block_token_id'), table_name='capture_code_block')
    op.drop_table('capture_code_block')
