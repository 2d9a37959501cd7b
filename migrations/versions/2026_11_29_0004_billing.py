"""billing: tariffs, eligibility, invoices, payments, dunning

Revision ID: 0004_billing
Revises: 0003_provisioning
Create Date: 2026-11-29

"""
import datetime

import sqlalchemy as sa
from alembic import op


revision = '0004_billing'
down_revision = '0003_provisioning'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('number_counters',
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', name=op.f('pk_number_counters'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('down_kbps', sa.Integer(), nullable=False),
    sa.Column('up_kbps', sa.Integer(), nullable=False),
    sa.Column('reduced_down_kbps', sa.Integer(), nullable=False),
    sa.Column('reduced_up_kbps', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_plans_code'))
    )
    op.create_table('tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('rule_text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('covers_minima', sa.Boolean(), nullable=False),
    sa.Column('qf_max_euros', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tiers')),
    sa.UniqueConstraint('code', name=op.f('uq_tiers_code'))
    )
    op.create_table('billing_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invoices_count', sa.Integer(), nullable=False),
    sa.Column('lines_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_billing_runs_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_runs'))
    )
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_runs_period'), ['period'], unique=False)

    op.create_table('tier_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_tier_prices_set_by_id_users')),
    sa.ForeignKeyConstraint(['tier_id'], ['tiers.id'], name=op.f('fk_tier_prices_tier_id_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_prices')),
    sa.UniqueConstraint('tier_id', 'valid_from', name=op.f('uq_tier_prices_tier_id_valid_from'))
    )
    with op.batch_alter_table('tier_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_prices_tier_id'), ['tier_id'], unique=False)

    op.create_table('eligibility_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('evidence_type', sa.String(length=10), nullable=False),
    sa.Column('evidence_reference', sa.String(length=80), nullable=True),
    sa.Column('quotient_familial', sa.Integer(), nullable=True),
    sa.Column('evidence_valid_until', sa.Date(), nullable=True),
    sa.Column('suggested_tier', sa.String(length=10), nullable=False),
    sa.Column('suggestion_reasons', sa.Text(), nullable=False),
    sa.Column('decided_tier', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_eligibility_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_eligibility_decisions_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_decisions'))
    )
    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_decisions_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_decisions_valid_until'), ['valid_until'], unique=False)

    op.create_table('fsl_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_fsl_requests_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_fsl_requests_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fsl_requests'))
    )
    with op.batch_alter_table('fsl_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fsl_requests_household_id'), ['household_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('vat_cents', sa.Integer(), nullable=False),
    sa.Column('full_cost_cents', sa.Integer(), nullable=False),
    sa.Column('paid_cents', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('holder_name', sa.String(length=120), nullable=True),
    sa.Column('unit_code', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_invoices_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('household_id', 'period', name=op.f('uq_invoices_household_id_period')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_invoices_period_status', ['period', 'status'], unique=False)

    op.create_table('payment_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('monthly_cents', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('agreed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['users.id'], name=op.f('fk_payment_plans_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_payment_plans_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_plans'))
    )
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_plans_household_id'), ['household_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('unallocated_cents', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_payments_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_household_id'), ['household_id'], unique=False)

    op.create_table('sepa_mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('account_holder', sa.String(length=70), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_sepa_mandates_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sepa_mandates')),
    sa.UniqueConstraint('reference', name=op.f('uq_sepa_mandates_reference'))
    )
    with op.batch_alter_table('sepa_mandates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sepa_mandates_household_id'), ['household_id'], unique=False)

    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('vat_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_credit_notes_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_credit_notes_household_id_households')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_notes_number'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_notes_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('dunning_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('debt_cents', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=True),
    sa.Column('postponed_until', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('association_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_dunning_steps_association_id_associations')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_dunning_steps_decided_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_dunning_steps_household_id_households')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_dunning_steps_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_steps'))
    )
    with op.batch_alter_table('dunning_steps', schema=None) as batch_op:
        batch_op.create_index('ix_dunning_steps_household_kind', ['household_id', 'kind'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('plan_code', sa.String(length=30), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('days_in_month', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('full_cost_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_invoice_lines_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('subscription_id', 'period', name=op.f('uq_invoice_lines_subscription_id_period'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('allocated_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_allocations_credit_note_id_credit_notes')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_payment_id'), ['payment_id'], unique=False)
    _seed_default_grid()


def _seed_default_grid():
    """The default tariff grid of DESIGN.md §3.1 (editable by an admin afterwards)."""
    plans = sa.table("plans", sa.column("code"), sa.column("name"), sa.column("down_kbps"),
                     sa.column("up_kbps"), sa.column("reduced_down_kbps"),
                     sa.column("reduced_up_kbps"), sa.column("description"))
    op.bulk_insert(plans, [{
        "code": "SOLIDAIRE-1G", "name": "Internet solidaire", "down_kbps": 1000000,
        "up_kbps": 1000000, "reduced_down_kbps": 8000, "reduced_up_kbps": 2000,
        "description": "Fibre 1 Gbit/s symétrique ; débit réduit : 8 Mbit/s / 2 Mbit/s."}])
    tiers = sa.table("tiers", sa.column("id", sa.Integer), sa.column("code"),
                     sa.column("label"), sa.column("rule_text"), sa.column("position"),
                     sa.column("covers_minima", sa.Boolean), sa.column("qf_max_euros"))
    prices = sa.table("tier_prices", sa.column("tier_id", sa.Integer),
                      sa.column("valid_from", sa.Date), sa.column("price_cents"),
                      sa.column("set_at", sa.DateTime(timezone=True)))
    grid = [
        (1, "T1", "Tarif solidaire 1", "Le foyer perçoit le RSA, l'ASS, l'AAH ou la CSS, ou son "
         "quotient familial CAF est inférieur ou égal à 600 €.", True, 600, 290),
        (2, "T2", "Tarif solidaire 2", "Quotient familial CAF entre 601 € et 900 €.", False, 900,
         590),
        (3, "T3", "Tarif solidaire 3", "Quotient familial CAF au-dessus de 900 €, ou aucun "
         "justificatif.", False, None, 990),
    ]
    op.bulk_insert(tiers, [{"id": i, "code": c, "label": lab, "rule_text": r, "position": i,
                            "covers_minima": m, "qf_max_euros": q} for i, c, lab, r, m, q, _p in grid])
    op.bulk_insert(prices, [{"tier_id": i, "valid_from": datetime.date(2000, 1, 1),
                             "price_cents": p,
                             "set_at": datetime.datetime(2026, 11, 29, tzinfo=datetime.UTC)}
                            for i, _c, _l, _r, _m, _q, p in grid])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('tiers', 'id'), 3)")


def downgrade():
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_invoice_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('dunning_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_dunning_steps_household_kind')

    op.drop_table('dunning_steps')
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_credit_notes_household_id'))

    op.drop_table('credit_notes')
    with op.batch_alter_table('sepa_mandates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sepa_mandates_household_id'))

    op.drop_table('sepa_mandates')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_household_id'))

    op.drop_table('payments')
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_plans_household_id'))

    op.drop_table('payment_plans')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_period_status')
        batch_op.drop_index(batch_op.f('ix_invoices_household_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_due_on'))

    op.drop_table('invoices')
    with op.batch_alter_table('fsl_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fsl_requests_household_id'))

    op.drop_table('fsl_requests')
    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_decisions_valid_until'))
        batch_op.drop_index(batch_op.f('ix_eligibility_decisions_household_id'))

    op.drop_table('eligibility_decisions')
    with op.batch_alter_table('tier_prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tier_prices_tier_id'))

    op.drop_table('tier_prices')
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_runs_period'))

    op.drop_table('billing_runs')
    op.drop_table('tiers')
    op.drop_table('plans')
    op.drop_table('number_counters')
