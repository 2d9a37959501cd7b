"""Provisioning records: jobs that bring a switch port to its desired state, the desired state
itself per port, nightly config backups and the drift they reveal (docs/design.md §2, issue 4).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class ProvisioningBatch(db.Model):
    """Jobs queued together for one reason (a plan's speeds changed): one record to follow."""

    __tablename__ = "provisioning_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    job_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    jobs = relationship("ProvisioningJob", back_populates="batch", order_by="ProvisioningJob.id")


class ProvisioningJob(db.Model):
    """One request to bring one port to a desired state, with everything that happened."""

    __tablename__ = "provisioning_jobs"
    __table_args__ = (Index("ix_provisioning_jobs_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a "push" of a port's desired state decided outside the lifecycle (import).
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"),
                                                        index=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), index=True)
    #: activate | reduce | restore | suspend | terminate | push (network.provisioning.queue)
    action: Mapped[str] = mapped_column(String(20))
    #: PortState as a dict (network.provisioning.vendors.PortState fields)
    desired: Mapped[dict] = mapped_column(JSON)
    #: network.provisioning.ssh.ProvisioningState value, or "superseded" (a newer job for the port)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    #: [[state, ISO 8601 UTC time], ...] in order
    history: Mapped[list] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not picked before this time (a future activation, or back-off after ``unreachable``).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a runner took the job; a claim that never finishes is flagged (runner died).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    commands: Mapped[list] = mapped_column(JSON, default=list)
    rollback_commands: Mapped[list] = mapped_column(JSON, default=list)
    before_config: Mapped[str | None] = mapped_column(Text)
    after_config: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    #: netmiko session log of the batch, password and secret replaced by ********
    transcript: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The batch this job was queued in (None: queued on its own)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("provisioning_batches.id"),
                                                 index=True)

    subscription = relationship("Subscription")
    port = relationship("Port")
    created_by = relationship("User")
    batch = relationship("ProvisioningBatch", back_populates="jobs")


class PortDesiredState(db.Model):
    """What a managed port should run; jobs push it, the nightly reconciliation checks it."""

    __tablename__ = "port_desired_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    desired: Mapped[dict] = mapped_column(JSON)
    #: lifecycle | import | push: where the latest desired state came from
    source: Mapped[str] = mapped_column(String(20), default="lifecycle")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last time a job read the port back equal to ``desired`` (None: never pushed).
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    port = relationship("Port")


class ConfigBackup(db.Model):
    """A switch's full running config as saved by the nightly job (history kept)."""

    __tablename__ = "config_backups"
    __table_args__ = (Index("ix_config_backups_device_taken", "device_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    config: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))

    device = relationship("Device")


class DriftFinding(db.Model):
    """A managed port whose running config differs from its desired state."""

    __tablename__ = "drift_findings"
    __table_args__ = (Index("ix_drift_findings_port_resolved", "port_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("config_backups.id"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    desired: Mapped[dict] = mapped_column(JSON)
    #: The port as parsed from the backup; None when the interface is missing from it.
    running: Mapped[dict | None] = mapped_column(JSON)
    #: When a later reconciliation (or a succeeded job) found the port as desired again.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The push job an operator queued for it, if any.
    push_job_id: Mapped[int | None] = mapped_column(ForeignKey("provisioning_jobs.id"))

    port = relationship("Port")
    push_job = relationship("ProvisioningJob")
