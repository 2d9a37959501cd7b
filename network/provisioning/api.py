"""JSON API: provisioning jobs (docs/design.md §4.5)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import Select, bindparam, select

from isp.auth import require_role
from isp.choices import Role
from isp.database import built_once
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


@built_once
def _job_rows(of_flat: bool, in_state: bool) -> Select:
    """Jobs as plain rows of the columns shown, their port's flat and switch joined: ORM
    objects (a job, its port, flat and switch each) cost more than the rest of the list.
    Built once per set of filters used (isp.database.built_once): ``unit_code`` and ``state``
    values of the request (issue 23.3)."""
    statement = (select(ProvisioningJob.id, ProvisioningJob.action, ProvisioningJob.state,
                   ProvisioningJob.attempts, ProvisioningJob.error,
                   ProvisioningJob.subscription_id, Unit.code.label("unit_code"),
                   Device.hostname.label("device"), Port.if_name.label("interface"),
                   ProvisioningJob.created_at, ProvisioningJob.finished_at,
                   ProvisioningJob.next_attempt_at)
            .join(Port, Port.id == ProvisioningJob.port_id)
            .join(Device, Device.id == Port.device_id)
            .outerjoin(Unit, Unit.id == Port.unit_id)
            .order_by(ProvisioningJob.id.desc()))
    if of_flat:
        statement = statement.where(Unit.code == bindparam("unit_code"))
    if in_state:
        statement = statement.where(ProvisioningJob.state == bindparam("state"))
    return statement


@bp.get("/provisioning-jobs")
@require_role(Role.OPERATOR)
@documented(query=JobQuery, items=JobOut)
def provisioning_jobs():
    """Provisioning jobs, newest first; filter by flat (``unit``) or ``state``."""
    query = parse(JobQuery)
    values = {}
    if query.unit:
        get_unit(query.unit)  # an unknown flat is a 404, not an empty list
        values["unit_code"] = query.unit
    if query.state:
        values["state"] = query.state
    return api_list(_job_rows("unit_code" in values, "state" in values), job_json,
                    scalars=False, values=values)
