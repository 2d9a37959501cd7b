"""Operator pages for provisioning: dashboard (jobs needing a person), job list and detail,
config backups with their diff, drift list and the one "push desired state" action.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import short_datetime
from isp.forms import flash_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import utcnow
from network.models import Device, Port
from network.provisioning import queue as prov
from network.provisioning.models import ConfigBackup, ProvisioningJob
from network.provisioning.schemas import JobQuery
from subscribers.models import Unit

bp = Blueprint("provisioning", __name__, template_folder="../templates")  # network/templates

register_nav(_l("Provisionnement"), "provisioning.dashboard", Role.OPERATOR, order=45)


def _table_columns():
    """The columns of a job that the jobs table shows (not its configs and transcripts)."""
    return load_only(ProvisioningJob.id, ProvisioningJob.action, ProvisioningJob.state,
                     ProvisioningJob.attempts, ProvisioningJob.created_at,
                     ProvisioningJob.error, ProvisioningJob.port_id)


def _table_jobs(states: list[str], counts: dict[str, int], limit: int) -> list[ProvisioningJob]:
    """The latest jobs in ``states`` for the jobs table, with their port, flat and switch in the
    same query; none asked when ``counts`` (by state) already says there are none."""
    if not any(counts.get(state) for state in states):
        return []
    port = joinedload(ProvisioningJob.port, innerjoin=True)
    return list(db.session.execute(
        select(ProvisioningJob).where(ProvisioningJob.state.in_(states))
        .options(_table_columns(), port.load_only(Port.if_name, Port.unit_id, Port.device_id),
                 port.joinedload(Port.unit).load_only(Unit.code),
                 port.joinedload(Port.device, innerjoin=True).load_only(Device.hostname))
        .order_by(ProvisioningJob.id.desc()).limit(limit)).scalars())


@bp.get("/provisioning")
@require_role(Role.OPERATOR)
def dashboard():
    counts = dict(db.session.execute(select(ProvisioningJob.state, func.count())
                                     .group_by(ProvisioningJob.state)).all())
    attention = _table_jobs([prov.S.NEEDS_ATTENTION], counts, 50)
    problems = _table_jobs([prov.S.FAILED, prov.S.ROLLED_BACK, prov.S.UNREACHABLE], counts, 20)
    drift = db.session.execute(prov.open_drift_query().limit(20)).scalars().all()
    return render_template("network/provisioning_dashboard.html", counts=counts,
                           attention=attention, problems=problems, drift=drift,
                           states=prov.ALL_JOB_STATES)


@bp.get("/provisioning/jobs")
@require_role(Role.OPERATOR)
def jobs():
    statement = select(ProvisioningJob).join(Port, Port.id == ProvisioningJob.port_id) \
        .join(Device, Device.id == Port.device_id).outerjoin(Unit, Unit.id == Port.unit_id) \
        .order_by(ProvisioningJob.id.desc())
    query = parse(JobQuery)
    filters = {name: getattr(query, name) or "" for name in ("state", "action", "unit", "device")}
    if filters["state"]:
        statement = statement.where(ProvisioningJob.state == filters["state"])
    if filters["action"]:
        statement = statement.where(ProvisioningJob.action == filters["action"])
    if filters["unit"]:
        statement = statement.where(Unit.code.ilike(f"%{filters['unit']}%"))
    if filters["device"]:
        statement = statement.where(Device.hostname.ilike(f"%{filters['device']}%"))
    # The joins that filter also fill each job's port, switch and flat (not one query each).
    port = contains_eager(ProvisioningJob.port)
    statement = statement.options(_table_columns(), port.contains_eager(Port.device),
                                  port.contains_eager(Port.unit))
    # 20 rows of 8 columns keep the page within EcoIndex grade A (50 made ~670 elements).
    return render_template("network/provisioning_jobs.html", page=paginate(statement, per_page=20),
                           filters=filters, states=prov.ALL_JOB_STATES,
                           actions=[str(a) for a in prov.JobAction])


@bp.get("/provisioning/jobs/<int:job_id>")
@require_role(Role.OPERATOR)
def job_detail(job_id: int):
    job = prov.get_job(job_id)
    diff = list(difflib.unified_diff((job.before_config or "").splitlines(),
                                     (job.after_config or "").splitlines(),
                                     "avant", "après", lineterm=""))
    refresh_s = refresh_seconds(job)
    response = make_response(render_template("network/provisioning_job.html", job=job,
                                             diff=diff, refresh_s=refresh_s))
    if refresh_s:
        # The page follows the job to its end without a script (the CSP forbids inline ones):
        # the Refresh header is what <meta http-equiv="refresh"> says, for every browser.
        response.headers["Refresh"] = str(refresh_s)
    return response


def refresh_seconds(job: ProvisioningJob, now: datetime | None = None) -> int | None:
    """How often a job's page reloads itself: every 2 s while it is due or running, every
    30 s while an unreachable switch waits for its next try; never once it is over or while
    it waits for a later day (an activation planned for next week)."""
    now = now or utcnow()
    if job.state in prov.IN_FLIGHT:
        return 2
    due = job.next_attempt_at is None or job.next_attempt_at <= now + timedelta(seconds=5)
    if job.state == prov.S.QUEUED:
        return 2 if due else None
    if job.state == prov.S.UNREACHABLE and job.next_attempt_at is not None:
        return 2 if due else 30
    return None


@bp.post("/provisioning/run")
@require_role(Role.OPERATOR)
def run_now():
    outcomes = prov.run_queue()
    flash(_("%(n)s tâche(s) exécutée(s).", n=len(outcomes)), "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/")
                    and not request.form["next"].startswith("//")
                    else url_for("provisioning.dashboard"))


@bp.post("/provisioning/ports/<int:port_id>/push")
@require_role(Role.OPERATOR)
def push(port_id: int):
    port = db.session.get(Port, port_id)
    if port is None:
        abort(404)
    try:
        job = prov.push_desired_state(port, actor=current_actor())
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("provisioning.drift")), 303
    db.session.commit()
    flash(_("Tâche #%(id)s en file : l'état voulu sera poussé.", id=job.id), "success")
    return redirect(url_for("provisioning.job_detail", job_id=job.id))


@bp.get("/provisioning/backups")
@require_role(Role.OPERATOR)
def backups():
    statement = select(ConfigBackup).order_by(ConfigBackup.taken_at.desc(),
                                              ConfigBackup.id.desc())
    device = request.args.get("device", "").strip()
    if device:
        statement = statement.join(Device, Device.id == ConfigBackup.device_id).where(
            Device.hostname == device)
    return render_template("network/provisioning_backups.html", page=paginate(statement),
                           device=device)


@bp.get("/provisioning/backups/<int:backup_id>")
@require_role(Role.OPERATOR)
def backup_detail(backup_id: int):
    backup = db.session.get(ConfigBackup, backup_id)
    if backup is None:
        abort(404)
    previous = prov.previous_backup(backup)
    diff = [] if previous is None else list(difflib.unified_diff(
        previous.config.splitlines(), backup.config.splitlines(),
        short_datetime(previous.taken_at), short_datetime(backup.taken_at),
        lineterm=""))
    return render_template("network/provisioning_backup.html", backup=backup,
                           previous=previous, diff=diff)


@bp.get("/provisioning/drift")
@require_role(Role.OPERATOR)
def drift():
    return render_template("network/provisioning_drift.html",
                           page=paginate(prov.open_drift_query()))
