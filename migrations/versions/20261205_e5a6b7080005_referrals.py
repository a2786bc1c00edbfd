"""Referrals (#12): the facility directory, referrals with their consent and status, and the
partner role's facility

Revision ID: e5a6b7080005
Revises: d4f5a6070004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5a6b7080005'
down_revision = 'd4f5a6070004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'facility',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('city', sa.String(length=80), nullable=False),
        sa.Column('languages', sa.String(length=64), nullable=False),
        sa.Column('services', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('website', sa.String(length=200), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('verified_on', sa.Date(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facility')),
        sa.UniqueConstraint('external_id', name=op.f('uq_facility_external_id')),
    )
    op.create_table(
        'referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=16), nullable=False),
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('service', sa.String(length=24), nullable=False),
        sa.Column('consent_on', sa.Date(), nullable=False),
        sa.Column('share_phone', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('service_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['client.id'],
                                name=op.f('fk_referral_client_id_client')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_referral_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['facility_id'], ['facility.id'],
                                name=op.f('fk_referral_facility_id_facility')),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_referral_mrc_id_mrc')),
        sa.ForeignKeyConstraint(['session_id'], ['counselling_session.id'],
                                name=op.f('fk_referral_session_id_counselling_session')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
        sa.UniqueConstraint('reference', name=op.f('uq_referral_reference')),
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_facility_id'), ['facility_id'],
                              unique=False)
        batch_op.create_index('ix_referral_mrc_sent', ['mrc_id', 'sent_on'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_account_facility_id_facility'),
                                    'facility', ['facility_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_facility_id_facility'),
                                 type_='foreignkey')
        batch_op.drop_column('facility_id')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_mrc_sent')
        batch_op.drop_index(batch_op.f('ix_referral_facility_id'))
        batch_op.drop_index(batch_op.f('ix_referral_client_id'))
    op.drop_table('referral')
    op.drop_table('facility')
