"""JSON API: provisioning jobs (docs/design.md §4.5)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import Select, select

from isp.auth import require_role
from isp.choices import Role
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from network.models import Device, Port
from network.provisioning.models import ProvisioningJob
from network.provisioning.schemas import JobOut, JobQuery
from subscribers.models import Unit
from subscribers.services import get_unit

bp = Blueprint("network_provisioning_api", __name__, url_prefix="/api/v1")


def job_json(job) -> dict:
    """A row of ``_job_rows``: a job, its port's flat, switch and interface."""
    return {"id": job.id, "action": job.action, "state": job.state, "attempts": job.attempts,
            "error": job.error, "subscription_id": job.subscription_id,
            "unit_code": job.unit_code, "device": job.device, "interface": job.interface,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None}


def _job_rows() -> Select:
    """Jobs as plain rows of the columns shown, their port's flat and switch joined: ORM
    objects (a job, its port, flat and switch each) cost more than the rest of the list."""
    return (select(ProvisioningJob.id, ProvisioningJob.action, ProvisioningJob.state,
                   ProvisioningJob.attempts, ProvisioningJob.error,
                   ProvisioningJob.subscription_id, Unit.code.label("unit_code"),
                   Device.hostname.label("device"), Port.if_name.label("interface"),
                   ProvisioningJob.created_at, ProvisioningJob.finished_at,
                   ProvisioningJob.next_attempt_at)
            .join(Port, Port.id == ProvisioningJob.port_id)
            .join(Device, Device.id == Port.device_id)
            .outerjoin(Unit, Unit.id == Port.unit_id)
            .order_by(ProvisioningJob.id.desc()))


@bp.get("/provisioning-jobs")
@require_role(Role.OPERATOR)
@documented(query=JobQuery, items=JobOut)
def provisioning_jobs():
    """Provisioning jobs, newest first; filter by flat (``unit``) or ``state``."""
    statement = _job_rows()
    query = parse(JobQuery)
    unit_code = query.unit
    if unit_code:
        get_unit(unit_code)  # an unknown flat is a 404, not an empty list
        statement = statement.where(Unit.code == unit_code)
    state = query.state
    if state:
        statement = statement.where(ProvisioningJob.state == state)
    return api_list(statement, job_json, scalars=False)
