"""a catalogue of services: options on subscriptions (issue 22)

Revision ID: 0024_catalogue
Revises: 0023_equipment
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0024_catalogue'
down_revision = '0023_equipment'
branch_labels = None
depends_on = None


def upgrade():
    # The options of the catalogue, their tiers and subsidies (billing/models_options.py).
    op.create_table(
        'service_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=30), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('monthly_price_cents', sa.Integer(), nullable=False),
        sa.Column('switch_need', sa.String(length=10), nullable=False),
        sa.Column('vlan_id', sa.Integer(), nullable=True),
        sa.Column('policy_name', sa.String(length=40), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_options')),
        sa.UniqueConstraint('code', name=op.f('uq_service_options_code')),
    )
    op.create_table(
        'option_tier_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.String(length=10), nullable=False),
        sa.Column('subsidy_kind', sa.String(length=10), nullable=False),
        sa.Column('subsidy_value', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['option_id'], ['service_options.id'],
                                name=op.f('fk_option_tier_rules_option_id_service_options')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_option_tier_rules')),
        sa.UniqueConstraint('option_id', 'tier', name=op.f('uq_option_tier_rules_option_id_tier')),
    )
    op.create_table(
        'subscription_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_subscription_options_subscription_id_subscriptions')),
        sa.ForeignKeyConstraint(['option_id'], ['service_options.id'],
                                name=op.f('fk_subscription_options_option_id_service_options')),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                                name=op.f('fk_subscription_options_added_by_id_users')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'],
                                name=op.f('fk_subscription_options_ended_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_options')),
    )
    op.create_index('ix_subscription_options_subscription_option', 'subscription_options',
                    ['subscription_id', 'option_id'], unique=False)
    op.create_index(op.f('ix_subscription_options_option_id'), 'subscription_options',
                    ['option_id'], unique=False)
    # One line per subscription, option and month (a re-run bills nothing twice).
    op.create_table(
        'invoice_option_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('option_code', sa.String(length=30), nullable=False),
        sa.Column('option_name', sa.String(length=120), nullable=False),
        sa.Column('tier', sa.String(length=10), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('days_in_month', sa.Integer(), nullable=False),
        sa.Column('unit_price_cents', sa.Integer(), nullable=False),
        sa.Column('monthly_subsidy_cents', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('full_cost_cents', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'],
                                name=op.f('fk_invoice_option_lines_invoice_id_invoices')),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_invoice_option_lines_subscription_id_subscriptions')),
        sa.ForeignKeyConstraint(['option_id'], ['service_options.id'],
                                name=op.f('fk_invoice_option_lines_option_id_service_options')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_option_lines')),
        sa.UniqueConstraint('subscription_id', 'option_id', 'period',
                            name=op.f('uq_invoice_option_lines_subscription_id_option_id_period')),
    )
    op.create_index(op.f('ix_invoice_option_lines_invoice_id'), 'invoice_option_lines',
                    ['invoice_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_invoice_option_lines_invoice_id'), table_name='invoice_option_lines')
    op.drop_table('invoice_option_lines')
    op.drop_index(op.f('ix_subscription_options_option_id'), table_name='subscription_options')
    op.drop_index('ix_subscription_options_subscription_option',
                  table_name='subscription_options')
    op.drop_table('subscription_options')
    op.drop_table('option_tier_rules')
    op.drop_table('service_options')
