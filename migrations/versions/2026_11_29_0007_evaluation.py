"""evaluation: scenarios, monthly aggregates

Revision ID: 0007_evaluation
Revises: 0006_mediation
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_evaluation'
down_revision = '0006_mediation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evaluation_monthly',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('metric', sa.String(length=80), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('households', sa.Integer(), nullable=True),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_monthly')),
        sa.UniqueConstraint('level', 'code', 'period', 'metric',
                            name=op.f('uq_evaluation_monthly_level_code_period_metric')),
    )
    with op.batch_alter_table('evaluation_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_monthly_level_period', ['level', 'period'],
                              unique=False)
        batch_op.create_index('ix_evaluation_monthly_refreshed_at', ['refreshed_at'],
                              unique=False)
    op.create_table(
        'evaluation_scenarios',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('building_codes', sa.Text(), nullable=True),
        sa.Column('assumptions', sa.Text(), nullable=False),
        sa.Column('results', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_evaluation_scenarios_created_by_id_users')),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                                name=op.f('fk_evaluation_scenarios_district_id_districts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_scenarios')),
    )


def downgrade():
    op.drop_table('evaluation_scenarios')
    with op.batch_alter_table('evaluation_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_monthly_refreshed_at')
        batch_op.drop_index('ix_evaluation_monthly_level_period')
    op.drop_table('evaluation_monthly')
