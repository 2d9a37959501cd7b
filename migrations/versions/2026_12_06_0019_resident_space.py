"""residents' space (issue 20): mandates, SEPA mandate requests, coaching proposals

Revision ID: 0019_resident_space
Revises: 0018_residents
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0019_resident_space'
down_revision = '0018_residents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident_mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('mediator_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.String(length=60), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('consent_method', sa.String(length=12), nullable=False),
    sa.Column('consent_reference', sa.String(length=60), nullable=True),
    sa.Column('consent_code_hash', sa.String(length=64), nullable=True),
    sa.Column('consent_code_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_attempts', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_resident_mandates_association_id_associations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_resident_mandates_created_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_resident_mandates_ended_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_resident_mandates_household_id_households')),
    sa.ForeignKeyConstraint(['mediator_id'], ['users.id'], name=op.f('fk_resident_mandates_mediator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_mandates'))
    )
    with op.batch_alter_table('resident_mandates', schema=None) as batch_op:
        batch_op.create_index('ix_resident_mandates_household_status', ['household_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_mandates_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_mandates_mediator_id'), ['mediator_id'], unique=False)

    op.create_table('resident_sepa_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_resident_sepa_requests_handled_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_resident_sepa_requests_household_id_households')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_resident_sepa_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_sepa_requests'))
    )
    with op.batch_alter_table('resident_sepa_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_sepa_requests_household_id'), ['household_id'], unique=False)

    op.create_table('coaching_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=40), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_coaching_proposals_association_id_associations')),
    sa.ForeignKeyConstraint(['booking_id'], ['coaching_bookings.id'], name=op.f('fk_coaching_proposals_booking_id_coaching_bookings')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_coaching_proposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_coaching_proposals_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_proposals')),
    sa.UniqueConstraint('household_id', 'kind', 'source_ref', name=op.f('uq_coaching_proposals_household_id_kind_source_ref'))
    )
    with op.batch_alter_table('coaching_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_proposals_status_association', ['status', 'association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_proposals_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_proposals_event_on'), ['event_on'], unique=False)


def downgrade():
    with op.batch_alter_table('coaching_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_proposals_event_on'))
        batch_op.drop_index(batch_op.f('ix_coaching_proposals_household_id'))
        batch_op.drop_index('ix_coaching_proposals_status_association')
    op.drop_table('coaching_proposals')
    with op.batch_alter_table('resident_sepa_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_sepa_requests_household_id'))
    op.drop_table('resident_sepa_requests')
    with op.batch_alter_table('resident_mandates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_mandates_mediator_id'))
        batch_op.drop_index(batch_op.f('ix_resident_mandates_association_id'))
        batch_op.drop_index('ix_resident_mandates_household_status')
    op.drop_table('resident_mandates')
