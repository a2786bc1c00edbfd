"""aggregate summary tables for the supervisor dashboard

Revision ID: a6e1c2d3b401
Revises: 7c3d2e1f4a55
Create Date: 2026-11-23 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a6e1c2d3b401'
down_revision = '7c3d2e1f4a55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agg_session_month',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('new_clients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_agg_session_month_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('mrc_id', 'month', 'dim', 'value', name=op.f('pk_agg_session_month')),
    )
    op.create_table(
        'agg_client_month',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('prev_month', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('clients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_agg_client_month_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('mrc_id', 'month', 'prev_month', 'dim', 'value', name=op.f('pk_agg_client_month')),
    )
    op.create_table(
        'agg_outcome_month',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('baseline_n', sa.Integer(), nullable=False),
        sa.Column('baseline_irregular', sa.Integer(), nullable=False),
        sa.Column('baseline_regular', sa.Integer(), nullable=False),
        sa.Column('due', sa.Integer(), nullable=False),
        sa.Column('reached', sa.Integer(), nullable=False),
        sa.Column('unreachable', sa.Integer(), nullable=False),
        sa.Column('followup_n', sa.Integer(), nullable=False),
        sa.Column('followup_irregular', sa.Integer(), nullable=False),
        sa.Column('followup_regular', sa.Integer(), nullable=False),
        sa.Column('info_answered', sa.Integer(), nullable=False),
        sa.Column('info_used', sa.Integer(), nullable=False),
        sa.Column('paired', sa.Integer(), nullable=False),
        sa.Column('score_change_sum', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_agg_outcome_month_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('mrc_id', 'month', 'dim', 'value', name=op.f('pk_agg_outcome_month')),
    )
    op.create_table(
        'agg_outreach_month',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('attendance', sa.Integer(), nullable=False),
        sa.Column('reach', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_agg_outreach_month_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('mrc_id', 'month', 'dim', 'value', name=op.f('pk_agg_outreach_month')),
    )
    op.create_table(
        'agg_leaflet_month',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_agg_leaflet_month_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('mrc_id', 'month', 'dim', 'value', name=op.f('pk_agg_leaflet_month')),
    )


def downgrade():
    op.drop_table('agg_leaflet_month')
    op.drop_table('agg_outreach_month')
    op.drop_table('agg_outcome_month')
    op.drop_table('agg_client_month')
    op.drop_table('agg_session_month')
