"""evaluator studies and panel exports

Revision ID: c8a3e4f5d603
Revises: b7f2d3e4c502
Create Date: 2026-11-23 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c8a3e4f5d603'
down_revision = 'b7f2d3e4c502'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel_study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('mrc_ids', sa.JSON(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('waves', sa.JSON(), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('shape', sa.String(length=8), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('date_mode', sa.String(length=8), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('l_variable', sa.String(length=32), nullable=True),
    sa.Column('l_value', sa.Integer(), nullable=True),
    sa.Column('include_comparison', sa.Boolean(), nullable=False),
    sa.Column('key_enc', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                            name=op.f('fk_panel_study_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_study'))
    )
    with op.batch_alter_table('panel_study', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_study_owner_id'), ['owner_id'], unique=False)

    op.create_table('panel_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('persons_released', sa.Integer(), nullable=True),
    sa.Column('rows_released', sa.Integer(), nullable=True),
    sa.Column('k_reached', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_panel_export_job_id_job')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                            name=op.f('fk_panel_export_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['study_id'], ['panel_study.id'],
                            name=op.f('fk_panel_export_study_id_panel_study')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_export'))
    )
    with op.batch_alter_table('panel_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_export_study_id'), ['study_id'], unique=False)


def downgrade():
    with op.batch_alter_table('panel_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_export_study_id'))
    op.drop_table('panel_export')
    with op.batch_alter_table('panel_study', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_study_owner_id'))
    op.drop_table('panel_study')
