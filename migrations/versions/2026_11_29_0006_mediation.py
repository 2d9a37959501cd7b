# ruff: noqa: E501, I001
"""mediation: association details, slots, bookings, sessions

Revision ID: 0006_mediation
Revises: 0005_support
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_mediation'
down_revision = '0005_support'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mediation_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('address_complement', sa.String(length=200), nullable=True),
    sa.Column('postcode', sa.String(length=5), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('insee_code', sa.String(length=5), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('opening_hours', sa.String(length=300), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('accessibility_url', sa.String(length=300), nullable=True),
    sa.Column('mobile', sa.Boolean(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_mediation_places_association_id_associations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_places'))
    )
    with op.batch_alter_table('mediation_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_places_association_id'), ['association_id'], unique=False)

    op.create_table('coaching_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_coaching_slots_association_id_associations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coaching_slots_created_by_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['mediation_places.id'], name=op.f('fk_coaching_slots_place_id_mediation_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_slots'))
    )
    with op.batch_alter_table('coaching_slots', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_slots_association_start', ['association_id', 'starts_at'], unique=False)

    op.create_table('coaching_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_coaching_bookings_booked_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_coaching_bookings_household_id_households')),
    sa.ForeignKeyConstraint(['slot_id'], ['coaching_slots.id'], name=op.f('fk_coaching_bookings_slot_id_coaching_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_bookings')),
    sa.UniqueConstraint('slot_id', 'household_id', name=op.f('uq_coaching_bookings_slot_id_household_id'))
    )
    with op.batch_alter_table('coaching_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_bookings_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_bookings_slot_id'), ['slot_id'], unique=False)

    op.create_table('session_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place_type', sa.String(length=20), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('themes', sa.Text(), nullable=False),
    sa.Column('autonomy', sa.String(length=20), nullable=True),
    sa.Column('equipment', sa.Text(), nullable=True),
    sa.Column('referral', sa.String(length=20), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('first_session', sa.Boolean(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=True),
    sa.Column('profile_commune_code', sa.String(length=5), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_session_records_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_session_records_association_id_associations')),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_session_records_building_id_buildings')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_session_records_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_session_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['slot_id'], ['coaching_slots.id'], name=op.f('fk_session_records_slot_id_coaching_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_records'))
    )
    with op.batch_alter_table('session_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_records_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_records_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_records_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_records_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_records_household_id'), ['household_id'], unique=False)

    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(length=280), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=True))



def downgrade():
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_column('website')
        batch_op.drop_column('summary')

    with op.batch_alter_table('session_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_records_household_id'))
        batch_op.drop_index(batch_op.f('ix_session_records_held_on'))
        batch_op.drop_index(batch_op.f('ix_session_records_building_id'))
        batch_op.drop_index(batch_op.f('ix_session_records_association_id'))
        batch_op.drop_index(batch_op.f('ix_session_records_assignment_id'))

    op.drop_table('session_records')
    with op.batch_alter_table('coaching_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_bookings_slot_id'))
        batch_op.drop_index(batch_op.f('ix_coaching_bookings_household_id'))

    op.drop_table('coaching_bookings')
    with op.batch_alter_table('coaching_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_slots_association_start')

    op.drop_table('coaching_slots')
    with op.batch_alter_table('mediation_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_places_association_id'))

    op.drop_table('mediation_places')
