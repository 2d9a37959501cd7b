"""network inventory, polling, usage, outages

Revision ID: 0002_network
Revises: 0001_core
Create Date: 2026-11-29

Devices and ports (inventory), poll results, raw counter state, usage per port hour,
subscription day and building day, discarded intervals, outages. Raw Counter64 values are
kept as decimal strings (BIGINT is signed).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_network'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('building_usage_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('download_octets', sa.BigInteger(), nullable=False),
    sa.Column('upload_octets', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_building_usage_days_building_id_buildings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_usage_days')),
    sa.UniqueConstraint('building_id', 'day', name=op.f('uq_building_usage_days_building_id_day'))
    )
    with op.batch_alter_table('building_usage_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_usage_days_building_id'), ['building_id'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('hostname', sa.String(length=63), nullable=False),
    sa.Column('mgmt_address', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('device_type', sa.String(length=40), nullable=False),
    sa.Column('snmp_port', sa.Integer(), nullable=False),
    sa.Column('snmp_version', sa.String(length=3), nullable=False),
    sa.Column('snmp_community_enc', sa.Text(), nullable=True),
    sa.Column('snmp_user', sa.String(length=64), nullable=True),
    sa.Column('snmp_auth_key_enc', sa.Text(), nullable=True),
    sa.Column('snmp_priv_key_enc', sa.Text(), nullable=True),
    sa.Column('snmp_context', sa.String(length=64), nullable=True),
    sa.Column('ssh_port', sa.Integer(), nullable=False),
    sa.Column('ssh_username', sa.String(length=64), nullable=True),
    sa.Column('ssh_password_enc', sa.Text(), nullable=True),
    sa.Column('ssh_secret_enc', sa.Text(), nullable=True),
    sa.Column('model', sa.String(length=80), nullable=True),
    sa.Column('power_watts', sa.Float(), nullable=True),
    sa.Column('embodied_kgco2e', sa.Float(), nullable=True),
    sa.Column('commissioned_on', sa.Date(), nullable=True),
    sa.Column('lifecycle_state', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sys_uptime_ticks', sa.BigInteger(), nullable=True),
    sa.Column('failed_polls', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_kind', sa.String(length=20), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('poll_lease_owner', sa.String(length=120), nullable=True),
    sa.Column('poll_lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_devices_building_id_buildings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('hostname', name=op.f('uq_devices_hostname'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_building_id'), ['building_id'], unique=False)

    op.create_table('poll_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reachable', sa.Boolean(), nullable=False),
    sa.Column('sys_uptime_ticks', sa.BigInteger(), nullable=True),
    sa.Column('error_kind', sa.String(length=20), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('ports_seen', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_poll_results_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_results'))
    )
    with op.batch_alter_table('poll_results', schema=None) as batch_op:
        batch_op.create_index('ix_poll_results_device_at', ['device_id', 'at'], unique=False)

    op.create_table('ports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('if_index', sa.Integer(), nullable=True),
    sa.Column('if_name', sa.String(length=64), nullable=False),
    sa.Column('if_descr', sa.String(length=255), nullable=True),
    sa.Column('speed_bps', sa.BigInteger(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('admin_up', sa.Boolean(), nullable=True),
    sa.Column('oper_up', sa.Boolean(), nullable=True),
    sa.Column('down_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('down_alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_ports_device_id_devices')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_ports_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ports')),
    sa.UniqueConstraint('device_id', 'if_index', name=op.f('uq_ports_device_id_if_index')),
    sa.UniqueConstraint('device_id', 'if_name', name=op.f('uq_ports_device_id_if_name')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_ports_unit_id'))
    )
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ports_device_id'), ['device_id'], unique=False)

    op.create_table('discarded_intervals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('elapsed_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_discarded_intervals_port_id_ports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discarded_intervals'))
    )
    with op.batch_alter_table('discarded_intervals', schema=None) as batch_op:
        batch_op.create_index('ix_discarded_intervals_port_at', ['port_id', 'at'], unique=False)

    op.create_table('outages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('port_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_outages_device_id_devices')),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_outages_port_id_ports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outages'))
    )
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.create_index('ix_outages_device_started', ['device_id', 'started_at'], unique=False)

    op.create_table('port_counters',
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('in_octets', sa.String(length=20), nullable=True),
    sa.Column('out_octets', sa.String(length=20), nullable=True),
    sa.Column('counter_bits', sa.Integer(), nullable=True),
    sa.Column('sys_uptime_ticks', sa.BigInteger(), nullable=False),
    sa.Column('polled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_port_counters_port_id_ports')),
    sa.PrimaryKeyConstraint('port_id', name=op.f('pk_port_counters'))
    )
    op.create_table('usage_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('octets_in', sa.BigInteger(), nullable=False),
    sa.Column('octets_out', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_usage_hours_port_id_ports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_hours')),
    sa.UniqueConstraint('port_id', 'hour', name=op.f('uq_usage_hours_port_id_hour'))
    )
    with op.batch_alter_table('usage_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_hours_hour'), ['hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_hours_port_id'), ['port_id'], unique=False)

    op.create_table('usage_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('download_octets', sa.BigInteger(), nullable=False),
    sa.Column('upload_octets', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_usage_days_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_days')),
    sa.UniqueConstraint('subscription_id', 'day', name=op.f('uq_usage_days_subscription_id_day'))
    )
    with op.batch_alter_table('usage_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_days_subscription_id'), ['subscription_id'], unique=False)



def downgrade():
    with op.batch_alter_table('usage_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_days_subscription_id'))

    op.drop_table('usage_days')
    with op.batch_alter_table('usage_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_hours_port_id'))
        batch_op.drop_index(batch_op.f('ix_usage_hours_hour'))

    op.drop_table('usage_hours')
    op.drop_table('port_counters')
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_index('ix_outages_device_started')

    op.drop_table('outages')
    with op.batch_alter_table('discarded_intervals', schema=None) as batch_op:
        batch_op.drop_index('ix_discarded_intervals_port_at')

    op.drop_table('discarded_intervals')
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ports_device_id'))

    op.drop_table('ports')
    with op.batch_alter_table('poll_results', schema=None) as batch_op:
        batch_op.drop_index('ix_poll_results_device_at')

    op.drop_table('poll_results')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_building_id'))

    op.drop_table('devices')
    with op.batch_alter_table('building_usage_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_usage_days_building_id'))

    op.drop_table('building_usage_days')
