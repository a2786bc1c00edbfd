"""comparison survey respondents and waves

Revision ID: b7f2d3e4c502
Revises: a6e1c2d3b401
Create Date: 2026-11-23 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7f2d3e4c502'
down_revision = 'a6e1c2d3b401'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'comparison_respondent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('sex', sa.String(length=8), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        sa.Column('province', sa.String(length=8), nullable=True),
        sa.Column('migrant_status', sa.String(length=24), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'],
                                name=op.f('fk_comparison_respondent_mrc_id_mrc')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_respondent')),
        sa.UniqueConstraint('mrc_id', 'external_id',
                            name='uq_comparison_respondent_mrc_external'),
    )
    op.create_table(
        'comparison_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('respondent_id', sa.Integer(), nullable=False),
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('wave', sa.Integer(), nullable=False),
        sa.Column('survey_date', sa.Date(), nullable=False),
        sa.Column('intention', sa.String(length=12), nullable=False),
        sa.Column('location_status', sa.String(length=24), nullable=True),
        sa.Column('awareness_version', sa.Integer(), nullable=True),
        sa.Column('awareness_answers', sa.String(length=32), nullable=True),
        sa.Column('awareness_score', sa.Integer(), nullable=True),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'],
                                name=op.f('fk_comparison_response_mrc_id_mrc')),
        sa.ForeignKeyConstraint(['respondent_id'], ['comparison_respondent.id'],
                                name=op.f('fk_comparison_response_respondent_id_comparison_respondent')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_response')),
        sa.UniqueConstraint('mrc_id', 'external_id', name='uq_comparison_response_mrc_external'),
        sa.UniqueConstraint('respondent_id', 'wave', name='uq_comparison_response_wave'),
    )
    with op.batch_alter_table('comparison_response', schema=None) as batch_op:
        batch_op.create_index('ix_comparison_response_mrc_wave', ['mrc_id', 'wave'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comparison_response', schema=None) as batch_op:
        batch_op.drop_index('ix_comparison_response_mrc_wave')
    op.drop_table('comparison_response')
    op.drop_table('comparison_respondent')
