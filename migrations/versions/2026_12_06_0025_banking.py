"""bank statements CAMT.053 (issue 22)

Revision ID: 0025_banking
Revises: 0024_catalogue
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0025_banking'
down_revision = '0024_catalogue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=False),
    sa.Column('identifier', sa.String(length=80), nullable=False),
    sa.Column('message_id', sa.String(length=80), nullable=True),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('created_by_bank_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('from_on', sa.Date(), nullable=True),
    sa.Column('to_on', sa.Date(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('lines_count', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('debits_ignored', sa.Integer(), nullable=False),
    sa.Column('others_ignored', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_bank_statements_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements')),
    sa.UniqueConstraint('account', 'identifier', name=op.f('uq_bank_statements_account_identifier'))
    )
    op.create_table('bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('reference_kind', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('value_on', sa.Date(), nullable=True),
    sa.Column('debtor_name', sa.String(length=140), nullable=True),
    sa.Column('debtor_iban', sa.String(length=34), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('remittance', sa.Text(), nullable=False),
    sa.Column('structured', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('match_kind', sa.String(length=20), nullable=True),
    sa.Column('invoice_number', sa.String(length=20), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('suggested_household_id', sa.Integer(), nullable=True),
    sa.Column('suggestion_terms', sa.JSON(), nullable=True),
    sa.Column('waiting_terms', sa.JSON(), nullable=True),
    sa.Column('not_ours_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bank_lines_decided_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_bank_lines_household_id_households')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_lines_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_bank_lines_statement_id_bank_statements')),
    sa.ForeignKeyConstraint(['suggested_household_id'], ['households.id'], name=op.f('fk_bank_lines_suggested_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_lines')),
    sa.UniqueConstraint('account', 'reference', name=op.f('uq_bank_lines_account_reference'))
    )
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.create_index('ix_bank_lines_status_booked', ['status', 'booked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_household_id'), ['household_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_lines_household_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_statement_id'))
        batch_op.drop_index('ix_bank_lines_status_booked')
    op.drop_table('bank_lines')
    op.drop_table('bank_statements')
