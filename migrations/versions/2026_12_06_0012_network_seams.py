"""network seams (issue 16): uplinks, reduced speeds, poll intervals, scrubbed backups

Revision ID: 0012_network_seams
Revises: 0011_billing_seams
Create Date: 2026-12-06

"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0012_network_seams'
down_revision = '0011_billing_seams'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("poll_interval_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("counters_alerted_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_foreign_key("fk_devices_parent_id_devices", "devices", ["parent_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_devices_parent_id", ["parent_id"])
    with op.batch_alter_table("outages") as batch:
        batch.add_column(sa.Column("incident_outage_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outages_incident_outage_id_outages", "outages",
                                 ["incident_outage_id"], ["id"])
    # issue 16.7: a plan's speed change re-provisions its ports as one batch
    op.create_table(
        "provisioning_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("job_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_provisioning_batches_created_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_provisioning_batches"),
    )
    with op.batch_alter_table("provisioning_jobs") as batch:
        batch.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_provisioning_jobs_batch_id_provisioning_batches",
                                 "provisioning_batches", ["batch_id"], ["id"])
        batch.create_index("ix_provisioning_jobs_batch_id", ["batch_id"])
    _scrub_stored_backups()


def _scrub_stored_backups():
    """Backups taken before issue 16.10 hold secrets in clear: scrub them in place."""
    from network.provisioning.vendors import scrub_config  # a pure function (no model)

    connection = op.get_bind()
    backups = sa.table("config_backups", sa.column("id", sa.Integer), sa.column("config", sa.Text),
                       sa.column("sha256", sa.String), sa.column("device_id", sa.Integer))
    devices = sa.table("devices", sa.column("id", sa.Integer),
                       sa.column("device_type", sa.String))
    rows = connection.execute(sa.select(backups.c.id, backups.c.config, devices.c.device_type)
                              .join(devices, devices.c.id == backups.c.device_id)).all()
    for backup_id, config, device_type in rows:
        clean = scrub_config(config or "", device_type)
        if clean != config:
            connection.execute(backups.update().where(backups.c.id == backup_id).values(
                config=clean, sha256=hashlib.sha256(clean.encode()).hexdigest()))


def downgrade():
    with op.batch_alter_table("provisioning_jobs") as batch:
        batch.drop_index("ix_provisioning_jobs_batch_id")
        batch.drop_constraint("fk_provisioning_jobs_batch_id_provisioning_batches",
                              type_="foreignkey")
        batch.drop_column("batch_id")
    op.drop_table("provisioning_batches")
    with op.batch_alter_table("outages") as batch:
        batch.drop_constraint("fk_outages_incident_outage_id_outages", type_="foreignkey")
        batch.drop_column("incident_outage_id")
    with op.batch_alter_table("devices") as batch:
        batch.drop_index("ix_devices_parent_id")
        batch.drop_constraint("fk_devices_parent_id_devices", type_="foreignkey")
        batch.drop_column("counters_alerted_at")
        batch.drop_column("poll_interval_s")
        batch.drop_column("parent_id")
