"""provisioning jobs, desired port state, config backups

Revision ID: 0003_provisioning
Revises: 0002_network
Create Date: 2026-11-29

Provisioning jobs (one per port change, with state history, commands, before/after config and
the scrubbed netmiko transcript), the desired state of each managed port, nightly running-config
backups and the drift findings they raise.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_provisioning'
down_revision = '0002_network'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('config_backups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_config_backups_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_backups'))
    )
    with op.batch_alter_table('config_backups', schema=None) as batch_op:
        batch_op.create_index('ix_config_backups_device_taken', ['device_id', 'taken_at'], unique=False)

    op.create_table('port_desired_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('desired', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_port_desired_states_port_id_ports')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_port_desired_states_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_port_desired_states')),
    sa.UniqueConstraint('port_id', name=op.f('uq_port_desired_states_port_id'))
    )
    op.create_table('provisioning_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('desired', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('commands', sa.JSON(), nullable=False),
    sa.Column('rollback_commands', sa.JSON(), nullable=False),
    sa.Column('before_config', sa.Text(), nullable=True),
    sa.Column('after_config', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_provisioning_jobs_created_by_id_users')),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_provisioning_jobs_port_id_ports')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_provisioning_jobs_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provisioning_jobs'))
    )
    with op.batch_alter_table('provisioning_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provisioning_jobs_port_id'), ['port_id'], unique=False)
        batch_op.create_index('ix_provisioning_jobs_state_next', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_provisioning_jobs_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('drift_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('backup_id', sa.Integer(), nullable=True),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('desired', sa.JSON(), nullable=False),
    sa.Column('running', sa.JSON(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('push_job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['backup_id'], ['config_backups.id'], name=op.f('fk_drift_findings_backup_id_config_backups')),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_drift_findings_port_id_ports')),
    sa.ForeignKeyConstraint(['push_job_id'], ['provisioning_jobs.id'], name=op.f('fk_drift_findings_push_job_id_provisioning_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drift_findings'))
    )
    with op.batch_alter_table('drift_findings', schema=None) as batch_op:
        batch_op.create_index('ix_drift_findings_port_resolved', ['port_id', 'resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('drift_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_drift_findings_port_resolved')

    op.drop_table('drift_findings')
    with op.batch_alter_table('provisioning_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provisioning_jobs_subscription_id'))
        batch_op.drop_index('ix_provisioning_jobs_state_next')
        batch_op.drop_index(batch_op.f('ix_provisioning_jobs_port_id'))

    op.drop_table('provisioning_jobs')
    op.drop_table('port_desired_states')
    with op.batch_alter_table('config_backups', schema=None) as batch_op:
        batch_op.drop_index('ix_config_backups_device_taken')

    op.drop_table('config_backups')
