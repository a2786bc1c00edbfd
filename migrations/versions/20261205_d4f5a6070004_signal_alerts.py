"""Signal alerts (#12): subscriptions to a scope's trend signals, and the notifications
delivered (published shares only, never a count)

Revision ID: d4f5a6070004
Revises: c3e4f5060003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd4f5a6070004'
down_revision = 'c3e4f5060003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signal_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_signal_subscription_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_subscription')),
    )
    with op.batch_alter_table('signal_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_subscription_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'signal_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('signals', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['subscription_id'], ['signal_subscription.id'],
                                name=op.f('fk_signal_notification_subscription_id_signal_subscription')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_signal_notification_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_notification')),
        sa.UniqueConstraint('subscription_id', 'week', name='uq_signal_notification_week'),
    )
    with op.batch_alter_table('signal_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_notification_user_id'), ['user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signal_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_notification_user_id'))
    op.drop_table('signal_notification')
    with op.batch_alter_table('signal_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_subscription_user_id'))
    op.drop_table('signal_subscription')
