"""The provisioning job layer: queue jobs, run them on the switches, reconcile nightly.

Kept in one file (~690 lines) because desired state, the run and the nightly reconciliation
share the job rows and their states; the SSH part is already apart (``ssh.py``).

``network/provisioning/ssh.py`` does the SSH part (no database); this module turns
subscriptions into desired port states, stores jobs, runs the queue in a bounded thread pool
(one session per switch, all of its pending ports in one batch and one save) and writes the
outcomes back.

Threads never touch the database: the main thread reads the jobs, builds the batches with
decrypted credentials, lets the pool talk to the switches, then stores the results.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import load_only, selectinload

from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.registry import provider
from isp.timeutil import utcnow
from network.choices import LifecycleState
from network.credentials import decrypt_secret
from network.models import Device, Port
from network.provisioning.models import (
    ConfigBackup,
    DriftFinding,
    PortDesiredState,
    ProvisioningBatch,
    ProvisioningJob,
)
from network.provisioning.ssh import (
    BatchResult,
    NetmikoConfigurator,
    PortOutcome,
    PortSpeeds,
    PortState,
    ProvisioningState,
    SwitchAccess,
    SwitchConfigurator,
    SwitchError,
    apply_batches,
    desired_port_state,
)
from network.provisioning.vendors import OPTION_FIELDS, scrub_config, vendor_for
from network.provisioning.wakeup import note_queued
from subscribers.lifecycle import mark_active, start_provisioning
from subscribers.models import Subscription

log = logging.getLogger(__name__)

S = ProvisioningState
#: A job replaced by a newer job for the same port before it ran (never sent anything).
SUPERSEDED = "superseded"
#: Jobs a runner picks: queued, or unreachable and due for another try.
RUNNABLE = (S.QUEUED, S.UNREACHABLE)
#: Job states that are over (nothing more will happen without a person).
DONE_STATES = (S.SUCCEEDED, S.FAILED, S.ROLLED_BACK, S.NEEDS_ATTENTION, SUPERSEDED)
IN_FLIGHT = (S.CONNECTING, S.APPLYING, S.VERIFYING, S.SAVING)
ALL_JOB_STATES = (*[str(s) for s in ProvisioningState], SUPERSEDED)


class JobAction(StrEnum):
    ACTIVATE = "activate"
    REDUCE = "reduce"
    RESTORE = "restore"
    SUSPEND = "suspend"
    TERMINATE = "terminate"
    PUSH = "push"


#: Retries of an unreachable switch: 1, 2, 4 ... minutes, capped at an hour, then a person.
BACKOFF_FIRST_S = 60
BACKOFF_MAX_S = 3600
MAX_ATTEMPTS = 12
#: A claimed job still in flight after this long means its runner died mid-way.
STALE_CLAIM = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` unreachable tries (exponential, capped)."""
    return timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


# --- desired state ---------------------------------------------------------------------------


def state_to_json(state: PortState) -> dict:
    # The option fields are left out when unset, so states stored before options compare equal.
    return {key: value for key, value in asdict(state).items()
            if key not in OPTION_FIELDS or value is not None}


def state_from_json(data: dict) -> PortState:
    return PortState(**data)


def port_for_unit(unit_id: int) -> Port | None:
    """The switch port wired to a flat, if any."""
    return db.session.execute(select(Port).where(Port.unit_id == unit_id)).scalar_one_or_none()


def port_speeds(plan_code: str) -> PortSpeeds:
    """The rates of a plan, from billing's published ``plan_speeds_kbps`` (the one home of the
    speeds); billing is above the network, so it is asked by name (``provides``)."""
    speeds = provider("plan_speeds_kbps")(plan_code)
    return PortSpeeds(speeds.down_kbps, speeds.up_kbps, speeds.reduced_down_kbps,
                      speeds.reduced_up_kbps)


def desired_for_subscription(subscription, status: str | None = None) -> PortState:
    """The port state a subscription calls for in ``status`` (default: its current status),
    with the VLAN or policy of the options it holds today (billing's published ``switch_needs``,
    asked by name as the speeds are)."""
    vlan = int(current_app.config["PROVISIONING_ACCESS_VLAN"])
    needs = provider("switch_needs")(subscription.id) if subscription.id is not None else None
    return desired_port_state(subscription.unit.code, str(status or subscription.status),
                              port_speeds(subscription.plan_code), access_vlan=vlan,
                              voice_vlan=needs.vlan_id if needs else None,
                              access_group=needs.policy_name if needs else None)


#: Statuses whose port carries service, so its options (the spare port carries none).
SERVED_STATUSES = ("active", "provisioning", "reduced", "suspended")


def reprovision_subscription(subscription, *, actor: User | None) -> ProvisioningJob | None:
    """Queue the job bringing a subscription's port to its options (one added or removed).

    A job still waiting for the port (an activation on a future day, a retry) is replaced by
    the same action with the options' fields updated, so an activation stays an activation;
    otherwise a port carrying service gets a ``push`` of its desired state. None when the flat
    has no port or its port carries no service yet (the activation will carry the options).
    """
    port = port_for_unit(subscription.unit_id)
    if port is None:
        return None
    waiting = db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.port_id == port.id,
        ProvisioningJob.state.in_([str(s) for s in RUNNABLE]))
        .order_by(ProvisioningJob.id.desc()).limit(1)).scalar_one_or_none()
    if waiting is not None:
        fresh = desired_for_subscription(subscription, "active")
        old = state_from_json(waiting.desired)
        desired = replace(old, voice_vlan=fresh.voice_vlan, access_group=fresh.access_group) \
            if old.policy_in is not None else old
        return queue_job(port, waiting.action, desired, actor=actor,
                         subscription=subscription, not_before=waiting.next_attempt_at,
                         source="options")
    if str(subscription.status) not in SERVED_STATUSES:
        return None
    return queue_job(port, JobAction.PUSH, desired_for_subscription(subscription), actor=actor,
                     subscription=subscription, source="options")


#: Subscription statuses whose port carries the plan's full rates, and the reduced ones.
FULL_RATE_STATUSES = ("active", "provisioning", "suspended")
REDUCED_RATE_STATUSES = ("reduced",)


def reprovision_plan(plan_code: str, *, full_changed: bool, reduced_changed: bool,
                     actor: User | None) -> ProvisioningBatch | None:
    """Queue one batch re-provisioning every port whose rates come from ``plan_code``.

    Called when an admin changes a plan's speeds: the reduced ports when the reduced speeds
    changed, the active and suspended ones when the full speeds did. One job per port (each
    keeps its own outcome, retry and transcript), all tied to one ``ProvisioningBatch``; the
    queue runs them as one SSH session and one save per switch. Nothing is queued (and None
    returned) when no wired port is concerned.
    """
    statuses = [*(FULL_RATE_STATUSES if full_changed else ()),
                *(REDUCED_RATE_STATUSES if reduced_changed else ())]
    if not statuses:
        return None
    rows = db.session.execute(
        select(Subscription, Port).join(Port, Port.unit_id == Subscription.unit_id)
        .where(Subscription.plan_code == plan_code, Subscription.status.in_(statuses))
        .order_by(Port.device_id, Port.if_index, Port.id)).all()
    if not rows:
        return None
    batch = ProvisioningBatch(reason=f"plan {plan_code}: speeds changed",
                              created_by_id=actor.id if actor is not None else None,
                              created_at=utcnow(), job_count=len(rows))
    db.session.add(batch)
    db.session.flush()
    for subscription, port in rows:
        job = queue_job(port, JobAction.PUSH, desired_for_subscription(subscription),
                        actor=actor, subscription=subscription, source="plan")
        job.batch_id = batch.id
    db.session.flush()
    log.info("Queued batch %s: %s ports of plan %s", batch.id, len(rows), plan_code)
    return batch


def set_desired_state(port: Port, desired: PortState, *, subscription=None,
                      source: str = "lifecycle") -> PortDesiredState:
    """Record what the port should run (without touching the switch)."""
    row = db.session.execute(select(PortDesiredState).where(
        PortDesiredState.port_id == port.id)).scalar_one_or_none()
    if row is None:
        row = PortDesiredState(port_id=port.id)
        db.session.add(row)
    if row.desired != state_to_json(desired):
        row.verified_at = None
    row.desired = state_to_json(desired)
    row.subscription_id = subscription.id if subscription is not None else row.subscription_id
    row.source = source
    row.updated_at = utcnow()
    db.session.flush()
    return row


def _stamp(job: ProvisioningJob, state: str, at: datetime | None = None) -> None:
    job.state = str(state)
    job.history = [*(job.history or []), [str(state), (at or utcnow()).isoformat()]]


def queue_job(port: Port, action: str, desired: PortState, *, actor: User | None,
              subscription=None, not_before: datetime | None = None,
              source: str = "lifecycle") -> ProvisioningJob:
    """Queue a job bringing ``port`` to ``desired``; older waiting jobs of the port are
    superseded (they sent nothing), so a switch never receives stale states.
    """
    set_desired_state(port, desired, subscription=subscription, source=source)
    for old in db.session.execute(select(ProvisioningJob).where(
            ProvisioningJob.port_id == port.id,
            ProvisioningJob.state.in_([str(s) for s in RUNNABLE]))).scalars():
        old.error = "replaced by a newer job for this port before it ran"
        old.next_attempt_at = None
        old.finished_at = utcnow()
        _stamp(old, SUPERSEDED)
    job = ProvisioningJob(port_id=port.id, action=str(action), desired=state_to_json(desired),
                          subscription_id=subscription.id if subscription is not None else None,
                          created_by_id=actor.id if actor is not None else None,
                          next_attempt_at=not_before, history=[], commands=[],
                          rollback_commands=[])
    _stamp(job, S.QUEUED)
    db.session.add(job)
    db.session.flush()
    if not_before is None or not_before <= utcnow():
        note_queued(db.session())  # the queue runs as soon as the caller commits
    log.info("Queued %s job %s for port %s", action, job.id, port.id)
    return job


def push_desired_state(port: Port, *, actor: User) -> ProvisioningJob:
    """Queue a job pushing the port's recorded desired state (the one action for drift)."""
    row = db.session.execute(select(PortDesiredState).where(
        PortDesiredState.port_id == port.id)).scalar_one_or_none()
    if row is None:
        raise DomainError(_("Ce port n'a pas d'état voulu enregistré : rien à pousser"),
                          field="port_id", status=409)
    job = queue_job(port, JobAction.PUSH, state_from_json(row.desired), actor=actor,
                    subscription=None, source=row.source)
    job.subscription_id = row.subscription_id
    for finding in db.session.execute(select(DriftFinding).where(
            DriftFinding.port_id == port.id, DriftFinding.resolved_at.is_(None))).scalars():
        finding.push_job_id = job.id
    db.session.flush()
    return job


def get_job(job_id: int) -> ProvisioningJob:
    job = db.session.get(ProvisioningJob, job_id)
    if job is None:
        raise NotFoundError(_("Tâche de provisionnement %(job_id)s introuvable", job_id=job_id))
    return job


def latest_job_for_subscription(subscription_id: int) -> ProvisioningJob | None:
    return db.session.execute(_latest_job_statement(),
                              {"subscription_id": subscription_id}).scalar_one_or_none()


@built_once
def _latest_job_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(ProvisioningJob)
            .where(ProvisioningJob.subscription_id == bindparam("subscription_id"))
            .order_by(ProvisioningJob.id.desc()).limit(1))


def latest_jobs_for_subscriptions(subscription_ids: list[int]) -> dict[int, ProvisioningJob]:
    """``latest_job_for_subscription`` for many subscriptions in one query (API lists): their
    id, action and state only (not the configs and transcripts a list never shows)."""
    if not subscription_ids:
        return {}
    latest = (select(func.max(ProvisioningJob.id))
              .where(ProvisioningJob.subscription_id.in_(subscription_ids))
              .group_by(ProvisioningJob.subscription_id))
    jobs = db.session.execute(select(ProvisioningJob).where(ProvisioningJob.id.in_(latest))
                              .options(load_only(ProvisioningJob.id, ProvisioningJob.action,
                                                 ProvisioningJob.state,
                                                 ProvisioningJob.subscription_id)))
    return {job.subscription_id: job for job in jobs.scalars()}


# --- running the queue -----------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutcome:
    """What one job ended as in one run (for the CLI and the scheduler's log)."""

    job_id: int
    action: str
    hostname: str
    interface: str
    unit_code: str | None
    state: str
    attempts: int
    error: str | None = None
    changed: bool = False

    def line(self) -> str:
        where = f"{self.hostname} {self.interface}" + (f" ({self.unit_code})"
                                                        if self.unit_code else "")
        text = f"job {self.job_id} {self.action} {where}: {self.state}"
        if self.state == S.SUCCEEDED:
            text += " (changed)" if self.changed else " (no change)"
        if self.error:
            text += f" — {self.error}"
        return text


@dataclass
class _Batch:
    device: Device
    access: SwitchAccess | None
    jobs: list[ProvisioningJob] = field(default_factory=list)
    problem: str | None = None


def switch_access(device: Device) -> SwitchAccess:
    """Decrypted SSH access to a device (raises DomainError when credentials are missing)."""
    if not device.ssh_username or not device.ssh_password_enc:
        raise DomainError(_(
            "%(hostname)s : aucun identifiant SSH enregistré", hostname=device.hostname))
    vendor_for(device.device_type)  # unsupported type: fail before any connection
    password = decrypt_secret(device.ssh_password_enc) or ""
    secret = decrypt_secret(device.ssh_secret_enc) or password
    return SwitchAccess(device.hostname, device.mgmt_address, int(device.ssh_port or 22),
                        device.device_type, device.ssh_username, password, secret)


def worker_count(max_workers: int | None = None) -> int:
    """Switches configured at once: ``max_workers``, else ``PROVISIONING_WORKERS`` (config)."""
    if max_workers is None:
        max_workers = int(current_app.config["PROVISIONING_WORKERS"])
    return max(1, max_workers)


def default_configurator() -> SwitchConfigurator:
    """netmiko with the timeouts from config (short ones for the lab)."""
    config = current_app.config
    return NetmikoConfigurator(
        conn_timeout=float(config["PROVISIONING_CONN_TIMEOUT"]),
        banner_timeout=float(config["PROVISIONING_BANNER_TIMEOUT"]),
        read_timeout=float(config["PROVISIONING_READ_TIMEOUT"]))


def _flag_stale_claims(now: datetime) -> None:
    for job in db.session.execute(select(ProvisioningJob).where(
            ProvisioningJob.state.in_([str(s) for s in IN_FLIGHT]),
            ProvisioningJob.claimed_at < now - STALE_CLAIM)).scalars():
        job.error = "the runner stopped during the job: the port may be half-configured"
        job.finished_at = now
        _stamp(job, S.NEEDS_ATTENTION, now)


def _claim(now: datetime, job_ids: Sequence[int] | None) -> list[ProvisioningJob]:
    """Take the due jobs of switches no other runner is configuring; each job goes to one runner.

    On PostgreSQL the due rows are locked ``FOR UPDATE SKIP LOCKED``, so concurrent runners
    (several ``isp worker`` processes, ``isp provision run`` by hand) take disjoint jobs without
    waiting; the UPDATE re-checks the state, and SQLite's single writer makes it atomic too.
    A switch with a job in flight (claimed by a runner, committed) is left to that runner, so
    two runners never open sessions to the same switch at once.
    """
    in_flight = (select(Port.device_id).join(ProvisioningJob,
                                              ProvisioningJob.port_id == Port.id)
                 .where(ProvisioningJob.state.in_([str(s) for s in IN_FLIGHT])))
    due = (select(ProvisioningJob.id).join(Port, ProvisioningJob.port_id == Port.id).where(
        or_(and_(ProvisioningJob.state == str(S.QUEUED),
                 or_(ProvisioningJob.next_attempt_at.is_(None),
                     ProvisioningJob.next_attempt_at <= now)),
            # an unreachable job without a next attempt gave up: it waits for a person
            and_(ProvisioningJob.state == str(S.UNREACHABLE),
                 ProvisioningJob.next_attempt_at <= now)),
        Port.device_id.not_in(in_flight)))
    if job_ids is not None:
        due = due.where(ProvisioningJob.id.in_(list(job_ids)))
    due = due.order_by(ProvisioningJob.id)
    if db.session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True, of=ProvisioningJob)
    due_ids = list(db.session.execute(due).scalars())
    if not due_ids:
        return []
    claimed = sorted(db.session.execute(
        update(ProvisioningJob).where(
            ProvisioningJob.id.in_(due_ids),
            ProvisioningJob.state.in_([str(S.QUEUED), str(S.UNREACHABLE)]))
        .values(state=str(S.CONNECTING), claimed_at=now)
        .returning(ProvisioningJob.id).execution_options(synchronize_session=False)).scalars())
    if not claimed:
        return []
    # one query, the claimed rows as the UPDATE left them (populate_existing: a refresh)
    jobs = list(db.session.execute(
        select(ProvisioningJob).where(ProvisioningJob.id.in_(claimed))
        .order_by(ProvisioningJob.id).execution_options(populate_existing=True)).scalars())
    for job in jobs:
        job.attempts += 1
        job.history = [*(job.history or []), [str(S.CONNECTING), now.isoformat()]]
    return jobs


def _load_for_run(jobs: list[ProvisioningJob]) -> None:
    """Load the claimed jobs again with their port, switch, flat, subscription and author in a
    few queries: the claim's commit expired them, and lazy loads would cost a query per job
    and relation (a district is a thousand jobs)."""
    port = selectinload(ProvisioningJob.port)
    db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.id.in_([job.id for job in jobs])).options(
        port.selectinload(Port.device), port.selectinload(Port.unit),
        selectinload(ProvisioningJob.subscription),
        selectinload(ProvisioningJob.created_by))).scalars().all()


def _to_batches(jobs: list[ProvisioningJob]) -> list[_Batch]:
    batches: dict[int, _Batch] = {}
    for job in jobs:
        device = job.port.device
        batch = batches.get(device.id)
        if batch is None:
            batch = _Batch(device, None)
            try:
                batch.access = switch_access(device)
            except (DomainError, ValueError) as error:
                batch.problem = str(getattr(error, "message", error))
            batches[device.id] = batch
        batch.jobs.append(job)
    return list(batches.values())


def _record(job: ProvisioningJob, outcome: PortOutcome, result: BatchResult,
            now: datetime) -> None:
    # The outcome's own queued/connecting steps are already on the job (claim time).
    steps = [(state, at) for state, at in outcome.history
             if state not in (S.QUEUED, S.CONNECTING)]
    job.history = [*job.history, *[[str(state), at.isoformat()] for state, at in steps]]
    job.state = str(outcome.state)
    job.commands = list(outcome.commands)
    job.rollback_commands = list(outcome.rollback_commands)
    job.before_config = outcome.before_config or None
    job.after_config = outcome.after_config or None
    job.error = outcome.error
    job.transcript = result.transcript or None
    if outcome.state == S.UNREACHABLE:
        job.next_attempt_at = now + backoff(job.attempts) if job.attempts < MAX_ATTEMPTS \
            else None
        job.finished_at = None if job.next_attempt_at else now
    else:
        job.next_attempt_at = None
        job.finished_at = result.finished_at or now


def _after_success(job: ProvisioningJob, now: datetime, desired: PortDesiredState | None,
                   findings: list[DriftFinding]) -> None:
    """The port is verified as desired (its open drift resolved); an activation makes the
    subscription active. ``desired`` and ``findings``: the port's, loaded for the whole run."""
    if desired is not None and desired.desired == job.desired:
        desired.verified_at = now
        for finding in findings:
            finding.resolved_at = now
    subscription = job.subscription
    if subscription is not None and subscription.status == "provisioning" \
            and job.action in (JobAction.ACTIVATE, JobAction.PUSH):
        mark_active(subscription, actor=job.created_by, job=job)


def run_queue(*, configurator: SwitchConfigurator | None = None, max_workers: int | None = None,
              now: datetime | None = None,
              job_ids: Sequence[int] | None = None) -> list[JobOutcome]:
    """Run every due job now: one SSH session and one save per switch, the switches in
    parallel on a bounded pool of ``max_workers`` threads (default ``PROVISIONING_WORKERS``).

    Commits twice: after claiming (so no other runner takes the jobs while the switches are
    being configured, and no transaction stays open meanwhile) and after storing the results.
    A finished job is never picked again, so running the queue twice changes nothing.
    """
    clock_given = now is not None
    now = now or utcnow()
    started, cpu = time.perf_counter(), time.process_time()
    _flag_stale_claims(now)
    jobs = _claim(now, job_ids)
    for job in jobs:
        subscription = job.subscription
        if job.action == JobAction.ACTIVATE and subscription is not None \
                and subscription.status == "pending":
            start_provisioning(subscription, actor=job.created_by)
    db.session.commit()
    if not jobs:
        return []
    claimed_s, claimed_cpu = time.perf_counter() - started, time.process_time() - cpu
    _load_for_run(jobs)
    batches = _to_batches(jobs)
    runnable = [b for b in batches if b.access is not None]
    results: list[BatchResult] = []
    if runnable:
        configurator = configurator or default_configurator()
        items = [(b.access, [(j.port.if_name, state_from_json(j.desired)) for j in b.jobs])
                 for b in runnable]
        results = apply_batches(configurator, items, max_workers=worker_count(max_workers))
    switches_s = time.perf_counter() - started - claimed_s
    switches_cpu = time.process_time() - cpu - claimed_cpu
    # With an explicit ``now`` (tests, replays) the back-off is computed from it.
    finished = now if clock_given else utcnow()
    outcomes: list[JobOutcome] = []
    for batch in batches:
        if batch.problem is not None:
            for job in batch.jobs:
                job.error = batch.problem
                job.finished_at = finished
                _stamp(job, S.FAILED, finished)
                outcomes.append(_outcome(job, batch.device, changed=False))
            continue
    by_host = {r.hostname: r for r in results}
    succeeded = [job.port_id for batch in runnable
                 for job, outcome in zip(batch.jobs, by_host[batch.device.hostname].outcomes,
                                         strict=True) if outcome.state == S.SUCCEEDED]
    desired_rows, open_findings = _port_records(succeeded)
    for batch in runnable:
        result = by_host[batch.device.hostname]
        for job, outcome in zip(batch.jobs, result.outcomes, strict=True):
            _record(job, outcome, result, finished)
            if outcome.state == S.SUCCEEDED:
                _after_success(job, finished, desired_rows.get(job.port_id),
                               open_findings.get(job.port_id, []))
            outcomes.append(_outcome(job, batch.device, changed=outcome.changed))
    db.session.commit()
    outcomes.sort(key=lambda o: o.job_id)
    # wall time and this process's CPU time (all threads) of each phase
    log.info("Queue run: %s jobs on %s switches in %.1f s (claim %.1f s / CPU %.1f s, switches "
             "%.1f s / %.1f s, results %.1f s / %.1f s)", len(jobs), len(batches),
             time.perf_counter() - started, claimed_s, claimed_cpu, switches_s, switches_cpu,
             time.perf_counter() - started - claimed_s - switches_s,
             time.process_time() - cpu - claimed_cpu - switches_cpu)
    return outcomes


def _port_records(port_ids: list[int]) -> tuple[dict[int, PortDesiredState],
                                                 dict[int, list[DriftFinding]]]:
    """The desired state and the open drift findings of these ports, in two queries."""
    if not port_ids:
        return {}, {}
    desired = {row.port_id: row for row in db.session.execute(select(PortDesiredState).where(
        PortDesiredState.port_id.in_(port_ids))).scalars()}
    findings: dict[int, list[DriftFinding]] = {}
    for finding in db.session.execute(select(DriftFinding).where(
            DriftFinding.port_id.in_(port_ids), DriftFinding.resolved_at.is_(None))
            .order_by(DriftFinding.id)).scalars():
        findings.setdefault(finding.port_id, []).append(finding)
    return desired, findings


def _outcome(job: ProvisioningJob, device: Device, *, changed: bool) -> JobOutcome:
    unit = job.port.unit
    return JobOutcome(job.id, job.action, device.hostname, job.port.if_name,
                      unit.code if unit is not None else None, job.state, job.attempts,
                      job.error, changed)


# --- nightly reconciliation and backup ---------------------------------------------------------


@dataclass
class ReconcileSummary:
    backups: int = 0
    unchanged_backups: int = 0
    drifted: int = 0
    checked_ports: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.backups} backups ({self.unchanged_backups} unchanged), "
                f"{self.checked_ports} managed ports checked, {self.drifted} drifted, "
                f"{len(self.errors)} errors")


def _managed_devices() -> list[Device]:
    return list(db.session.execute(
        select(Device).where(Device.lifecycle_state == LifecycleState.IN_SERVICE,
                             Device.ssh_username.is_not(None),
                             Device.ssh_password_enc.is_not(None))
        .order_by(Device.hostname)).scalars())


def nightly_reconcile(*, configurator: SwitchConfigurator | None = None,
                      max_workers: int | None = None,
                      now: datetime | None = None) -> ReconcileSummary:
    """Back up each switch's running config and flag managed ports that drifted.

    The SSH reads run in a bounded pool (one session per switch); the caller commits.
    """
    now = now or utcnow()
    summary = ReconcileSummary()
    accesses: list[tuple[Device, SwitchAccess]] = []
    for device in _managed_devices():
        try:
            accesses.append((device, switch_access(device)))
        except (DomainError, ValueError) as error:
            summary.errors.append(str(getattr(error, "message", error)))
    if not accesses:
        return summary
    configurator = configurator or default_configurator()

    def fetch(access: SwitchAccess) -> str | SwitchError:
        try:
            return configurator.backup_running_config(access)
        except SwitchError as error:
            return error

    with ThreadPoolExecutor(max_workers=min(worker_count(max_workers), len(accesses))) as pool:
        texts = list(pool.map(fetch, [a for _, a in accesses]))
    for (device, _access), text in zip(accesses, texts, strict=True):
        if isinstance(text, SwitchError):
            summary.errors.append(str(text))
            continue
        backup = _store_backup(device, text, now, summary)
        _check_drift(device, backup, now, summary)
    db.session.flush()
    log.info("Reconciliation: %s", summary.line())
    return summary


def _store_backup(device: Device, text: str, now: datetime,
                  summary: ReconcileSummary) -> ConfigBackup:
    # Only the scrubbed form is ever stored, shown or compared (issue 16.10).
    text = scrub_config(text, device.device_type)
    digest = hashlib.sha256(text.encode()).hexdigest()
    previous = db.session.execute(
        select(ConfigBackup).where(ConfigBackup.device_id == device.id)
        .order_by(ConfigBackup.taken_at.desc(), ConfigBackup.id.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None and previous.sha256 == digest:
        summary.unchanged_backups += 1
    backup = ConfigBackup(device_id=device.id, taken_at=now, config=text, sha256=digest)
    db.session.add(backup)
    db.session.flush()
    summary.backups += 1
    return backup


def _check_drift(device: Device, backup: ConfigBackup, now: datetime,
                 summary: ReconcileSummary) -> None:
    vendor = vendor_for(device.device_type)
    rows = db.session.execute(
        select(PortDesiredState, Port).join(Port, Port.id == PortDesiredState.port_id)
        .where(Port.device_id == device.id)).all()
    for row, port in rows:
        summary.checked_ports += 1
        try:
            running = vendor.parse_port_state(backup.config, port.if_name)
            running_json: dict | None = state_to_json(running)
        except ValueError:
            running_json = None
        open_finding = db.session.execute(select(DriftFinding).where(
            DriftFinding.port_id == port.id, DriftFinding.resolved_at.is_(None))
        ).scalar_one_or_none()
        if running_json == row.desired:
            if open_finding is not None:
                open_finding.resolved_at = now
            continue
        summary.drifted += 1
        if open_finding is None:
            db.session.add(DriftFinding(port_id=port.id, backup_id=backup.id, found_at=now,
                                        desired=row.desired, running=running_json))
        else:
            open_finding.backup_id, open_finding.running = backup.id, running_json
            open_finding.desired = row.desired


def open_drift_query():
    return select(DriftFinding).where(DriftFinding.resolved_at.is_(None)).order_by(
        DriftFinding.found_at.desc(), DriftFinding.id)


def previous_backup(backup: ConfigBackup) -> ConfigBackup | None:
    return db.session.execute(
        select(ConfigBackup).where(ConfigBackup.device_id == backup.device_id,
                                   ConfigBackup.id < backup.id)
        .order_by(ConfigBackup.id.desc()).limit(1)).scalar_one_or_none()
