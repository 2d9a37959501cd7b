"""JSON API: provisioning jobs (docs/design.md §4.5)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only

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


def job_json(job: ProvisioningJob) -> dict:
    return {"id": job.id, "action": job.action, "state": job.state, "attempts": job.attempts,
            "error": job.error, "subscription_id": job.subscription_id,
            "unit_code": job.port.unit.code if job.port.unit is not None else None,
            "device": job.port.device.hostname, "interface": job.port.if_name,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None}


@bp.get("/provisioning-jobs")
@require_role(Role.OPERATOR)
@documented(query=JobQuery, items=JobOut)
def provisioning_jobs():
    """Provisioning jobs, newest first; filter by flat (``unit``) or ``state``."""
    statement = select(ProvisioningJob).order_by(ProvisioningJob.id.desc())
    query = parse(JobQuery)
    unit_code = query.unit
    if unit_code:
        get_unit(unit_code)  # an unknown flat is a 404, not an empty list
        statement = statement.join(Port, Port.id == ProvisioningJob.port_id).join(
            Unit, Unit.id == Port.unit_id).where(Unit.code == unit_code)
    state = query.state
    if state:
        statement = statement.where(ProvisioningJob.state == state)
    # Each job shows its port's flat and device: joined into the page's one query (a query
    # more per table cost more than the join); and only the columns shown (a job's JSON
    # columns, decoded row by row, are not).
    port = joinedload(ProvisioningJob.port, innerjoin=True)
    statement = statement.options(
        load_only(ProvisioningJob.id, ProvisioningJob.action, ProvisioningJob.state,
                  ProvisioningJob.attempts, ProvisioningJob.error,
                  ProvisioningJob.subscription_id, ProvisioningJob.port_id,
                  ProvisioningJob.created_at, ProvisioningJob.finished_at,
                  ProvisioningJob.next_attempt_at),
        port.load_only(Port.if_name, Port.unit_id, Port.device_id),
        port.joinedload(Port.unit).load_only(Unit.code),
        port.joinedload(Port.device, innerjoin=True).load_only(Device.hostname))
    return api_list(statement, job_json)
