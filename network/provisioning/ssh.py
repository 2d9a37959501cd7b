"""Switch port provisioning over SSH, as desired state: read, diff, apply, verify, roll back.

Kept in one file (~690 lines) because it is the one hardware boundary the job layer sees: the
desired-state rules, the results and their netmiko implementation change together whenever a
port's desired state gains a setting (docs/provisioning.md).

This module is the hardware part only: no database, no Flask. The job layer builds a
``SwitchAccess`` (decrypted credentials) and a batch of ``(interface, PortState)`` per switch,
calls ``SwitchConfigurator.apply`` once per switch and stores the ``BatchResult``.

Outcome per port (``ProvisioningState``):

* ``succeeded``: read back equal to the desired state, and saved if anything changed;
* ``rolled_back``: something failed after a line was sent; the port was put back to, and
  read back as, its pre-image;
* ``needs_attention``: the rollback failed or could not be verified, or the change is live but
  ``write memory`` did not confirm: a human (or a reconcile job) must look;
* ``failed``: connected, but nothing was sent (wrong enable secret, unknown interface, bad input);
* ``unreachable``: never connected (authentication, timeout, incompatible SSH peer). Safe to retry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from io import BytesIO
from typing import Any, Protocol

import paramiko
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoBaseException,
    NetmikoTimeoutException,
)

from network.provisioning.vendors import (
    DESCRIPTION_ALLOWED,
    PortState,
    Vendor,
    attached_policies,
    check_description,
    policy_for_kbps,
    vendor_for,
)

__all__ = [
    "BatchResult",
    "NetmikoConfigurator",
    "PortOutcome",
    "PortSpeeds",
    "PortState",
    "ProvisioningState",
    "SwitchAccess",
    "SwitchConfigurator",
    "SwitchError",
    "apply_batches",
    "backup_running_config",
    "desired_port_state",
    "flat_description",
    "policy_for_kbps",
    "policy_for_speed",
]

log = logging.getLogger(__name__)

#: The building's subscriber VLAN when the caller does not give one.
DEFAULT_ACCESS_VLAN = 100
SCRUBBED = "********"


class ProvisioningState(StrEnum):
    """States of one port's provisioning, as stored on the job."""

    QUEUED = "queued"
    CONNECTING = "connecting"
    APPLYING = "applying"
    VERIFYING = "verifying"
    SAVING = "saving"
    SUCCEEDED = "succeeded"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    NEEDS_ATTENTION = "needs_attention"


FINAL_STATES = frozenset(
    {
        ProvisioningState.SUCCEEDED,
        ProvisioningState.UNREACHABLE,
        ProvisioningState.FAILED,
        ProvisioningState.ROLLED_BACK,
        ProvisioningState.NEEDS_ATTENTION,
    }
)


# --- desired state rules -------------------------------------------------------------------


def policy_for_speed(mbps: int) -> str:
    """Policy-map name for a rate in Mbit/s: 1000 → ``PM-1G``, 8 → ``PM-8M``."""
    if mbps <= 0:
        raise ValueError(f"speed must be positive, got {mbps}")
    return policy_for_kbps(mbps * 1000)


def flat_description(unit_code: str) -> str:
    """Port description from a flat code, reduced to ``[A-Za-z0-9._/-]`` (no personal data)."""
    text = re.sub(r"[^A-Za-z0-9._/-]+", "_", unit_code.strip())[:200]
    if not text.strip("_"):
        raise ValueError(f"flat code {unit_code!r} gives an empty description")
    check_description(text)
    return text


@dataclass(frozen=True)
class PortSpeeds:
    """The rates a port gets, in kbit/s: the plan's, and the reduced service's (dunning).

    Built from billing's ``plan_speeds_kbps``; kept here as plain numbers so that this module
    needs no database.
    """

    down_kbps: int
    up_kbps: int
    reduced_down_kbps: int
    reduced_up_kbps: int


def desired_port_state(
    unit_code: str,
    status: str,
    speeds: PortSpeeds,
    *,
    access_vlan: int | None = DEFAULT_ACCESS_VLAN,
    voice_vlan: int | None = None,
    access_group: str | None = None,
) -> PortState:
    """The port state a subscription status calls for.

    Each rate becomes a policy named after it (``policy_for_kbps``), which the vendor layer
    defines on the switch before attaching it; ``policy_in`` limits the upload, ``policy_out``
    the download. ``active``/``provisioning``: up, plan rates. ``reduced``: up, reduced rates.
    ``suspended``: shut down, plan rates kept so that resuming is a single ``no shutdown``.
    ``terminated``/``pending``: shut down, no policy (a spare port).
    The description is the flat code in every case: the port belongs to the flat, not to the
    household, so no name ever reaches a switch.
    The options' ``voice_vlan`` and ``access_group`` (docs/catalogue.md) stay while the port
    carries service, suspended included; a spare port carries none.
    """
    status = str(status)
    description = flat_description(unit_code)
    plan_in = policy_for_kbps(speeds.up_kbps)
    plan_out = policy_for_kbps(speeds.down_kbps)
    if voice_vlan is not None and voice_vlan == access_vlan:
        raise ValueError(f"option VLAN {voice_vlan} is the port's access VLAN")
    if access_group is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,39}",
                                                     access_group):
        raise ValueError(f"port policy name {access_group!r} is not allowed")
    if status in ("terminated", "pending"):
        voice_vlan = access_group = None
    base = PortState(description=description, access_vlan=access_vlan, mode="access",
                     voice_vlan=voice_vlan, access_group=access_group)
    if status in ("active", "provisioning"):
        return replace(base, shutdown=False, policy_in=plan_in, policy_out=plan_out)
    if status == "reduced":
        return replace(
            base,
            shutdown=False,
            policy_in=policy_for_kbps(speeds.reduced_up_kbps),
            policy_out=policy_for_kbps(speeds.reduced_down_kbps),
        )
    if status == "suspended":
        return replace(base, shutdown=True, policy_in=plan_in, policy_out=plan_out)
    if status in ("terminated", "pending"):
        return replace(base, shutdown=True)
    raise ValueError(f"no port state for subscription status {status!r}")


# --- inputs and results --------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchAccess:
    """How to reach one switch; built by the database layer with decrypted credentials."""

    hostname: str
    host: str
    port: int
    device_type: str
    username: str
    password: str = field(repr=False)
    secret: str = field(repr=False)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PortOutcome:
    """What happened to one port of a batch."""

    interface: str
    desired: PortState
    state: ProvisioningState = ProvisioningState.QUEUED
    history: list[tuple[ProvisioningState, datetime]] = field(default_factory=list)
    #: lines sent to reach the desired state (interface line included); [] for a no-op
    commands: list[str] = field(default_factory=list)
    #: lines sent to restore the pre-image, if a rollback ran
    rollback_commands: list[str] = field(default_factory=list)
    before: PortState | None = None
    after: PortState | None = None
    before_config: str = ""
    after_config: str = ""
    error: str | None = None
    _listener: Callable[[PortOutcome], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append((self.state, _now()))

    def move(self, state: ProvisioningState) -> None:
        self.state = state
        self.history.append((state, _now()))
        if self._listener is not None:
            self._listener(self)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def changed(self) -> bool:
        """True when the switch now runs a different config for this port."""
        return self.state == ProvisioningState.SUCCEEDED and bool(self.commands)


@dataclass
class BatchResult:
    """The outcome of one session's worth of ports on one switch."""

    hostname: str
    outcomes: list[PortOutcome]
    #: netmiko session log(s), password and secret replaced by ********
    transcript: str = ""
    saved: bool = False
    save_output: str = ""
    #: a batch-level problem (connect, save), also copied to the ports it affected
    error: str | None = None
    started_at: datetime = field(default_factory=_now)
    finished_at: datetime | None = None

    @property
    def changed(self) -> bool:
        return any(o.changed for o in self.outcomes)

    def outcome(self, interface: str) -> PortOutcome:
        """The outcome of one interface (full or abbreviated name)."""
        for o in self.outcomes:
            if o.interface == interface:
                return o
        full = vendor_for("cisco_ios").normalize_interface(interface)
        for o in self.outcomes:
            if o.interface == full:
                return o
        raise KeyError(interface)


class SwitchConfigurator(Protocol):
    """Applies desired port states to one switch; the lab and real switches look the same."""

    def apply(
        self,
        access: SwitchAccess,
        items: Sequence[tuple[str, PortState]],
        *,
        on_change: Callable[[PortOutcome], None] | None = None,
    ) -> BatchResult: ...

    def backup_running_config(self, access: SwitchAccess) -> str: ...


class SwitchError(Exception):
    """A switch could not be used; ``state`` is ``unreachable`` or ``failed``."""

    def __init__(self, message: str, state: ProvisioningState) -> None:
        super().__init__(message)
        self.state = state


# --- netmiko implementation ----------------------------------------------------------------

#: What a netmiko session can raise once connected. ValueError comes from enable/config mode.
SESSION_ERRORS: tuple[type[BaseException], ...] = (
    NetmikoBaseException,
    ValueError,
    OSError,
    EOFError,
    paramiko.SSHException,
)


def describe_connect_error(exc: BaseException, access: SwitchAccess) -> str:
    """A clear one-line reason for a failed connection."""
    where = f"{access.hostname} ({access.host}:{access.port})"
    text = str(exc)
    # Order matters: both netmiko exceptions subclass paramiko.SSHException.
    if isinstance(exc, NetmikoAuthenticationException):
        return f"{where}: authentication failed for user {access.username!r}"
    if isinstance(exc, NetmikoTimeoutException):
        if "Incompatible" in text or "no acceptable" in text:
            return (
                f"{where}: incompatible SSH peer, no common algorithm (the switch probably "
                f"offers only SHA-1 kex/ssh-rsa, which paramiko 5 refuses): {_first_line(text)}"
            )
        if "TCP connection to device failed" in text:
            return f"{where}: TCP connection failed (nothing listening, filtered or host down)"
        if "No existing session" in text or "banner" in text.lower():
            return f"{where}: TCP connected but no SSH banner/session in time (hung sshd?)"
        return f"{where}: connection timed out: {_first_line(text)}"
    if isinstance(exc, paramiko.SSHException):
        return f"{where}: SSH negotiation failed: {_first_line(text)}"
    return f"{where}: network error: {type(exc).__name__}: {_first_line(text)}"


def describe_session_error(exc: BaseException) -> str:
    """A one-line reason for an error inside a session."""
    if isinstance(exc, ConfigInvalidException):
        return f"config line rejected: {_first_line(str(exc))}"
    if isinstance(exc, ValueError) and "enable mode" in str(exc):
        return "could not enter enable mode (wrong enable secret?)"
    return f"{type(exc).__name__}: {_first_line(str(exc))}"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else ""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in ``text`` by ``********`` (longest first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, SCRUBBED)
    return text


class _VerifyMismatchError(Exception):
    pass


class _Session:
    """One switch's netmiko connection(s) during a batch, reconnecting on demand."""

    def __init__(self, configurator: NetmikoConfigurator, access: SwitchAccess) -> None:
        self.configurator = configurator
        self.access = access
        self.conn: Any = None
        self.logs: list[BytesIO] = []
        #: set after an error that may have left the channel dead or out of step
        self.suspect = False
        #: a reconnect failed: do not try again in this batch (each try costs a timeout)
        self.gave_up: SwitchError | None = None
        #: policies defined on the switch during this batch: each is sent once per batch
        self.defined_policies: set[str] = set()

    def open(self) -> Any:
        if self.gave_up is not None:
            raise self.gave_up
        buffer = BytesIO()
        self.logs.append(buffer)
        c = self.configurator
        try:
            conn = c.connect_handler(
                device_type=self.access.device_type,
                host=self.access.host,
                port=self.access.port,
                username=self.access.username,
                password=self.access.password,
                secret=self.access.secret,
                conn_timeout=c.conn_timeout,
                banner_timeout=c.banner_timeout,
                auth_timeout=c.auth_timeout,
                session_log=buffer,
            )
        except NetmikoAuthenticationException as exc:
            raise self._give_up(describe_connect_error(exc, self.access)) from exc
        except (NetmikoTimeoutException, paramiko.SSHException, OSError, EOFError) as exc:
            raise self._give_up(describe_connect_error(exc, self.access)) from exc
        try:
            conn.enable()
        except SESSION_ERRORS as exc:
            _disconnect(conn)
            raise SwitchError(
                f"{self.access.hostname}: {describe_session_error(exc)}", ProvisioningState.FAILED
            ) from exc
        self.conn, self.suspect = conn, False
        return conn

    def _give_up(self, message: str) -> SwitchError:
        self.gave_up = SwitchError(message, ProvisioningState.UNREACHABLE)
        return self.gave_up

    def ensure(self, *, fresh: bool = False) -> Any:
        """A usable connection: the current one, or a new one after a suspect error."""
        if self.conn is not None and not fresh and not self.suspect:
            return self.conn
        if self.conn is not None and not fresh and _is_alive(self.conn):
            self.suspect = False
            return self.conn
        self.close()
        log.info("Reconnecting to %s", self.access.hostname)
        return self.open()

    def close(self) -> None:
        if self.conn is not None:
            _disconnect(self.conn)
            self.conn = None

    def transcript(self) -> str:
        parts = []
        for n, buffer in enumerate(self.logs, 1):
            text = buffer.getvalue().decode("utf-8", errors="replace")
            parts.append(f"### session {n} to {self.access.hostname} ###\n{text}")
        return scrub("\n".join(parts), (self.access.password, self.access.secret))


def _disconnect(conn: Any) -> None:
    try:
        conn.disconnect()
    except SESSION_ERRORS:
        log.debug("disconnect failed", exc_info=True)


def _is_alive(conn: Any) -> bool:
    try:
        return bool(conn.is_alive())
    except SESSION_ERRORS:
        return False


class NetmikoConfigurator:
    """``SwitchConfigurator`` over netmiko: one session per batch, one switch per call.

    Thread-safe in the sense netmiko needs: each ``apply`` call owns its connection, so run
    several switches in parallel threads, but never two batches on one switch at once.
    """

    def __init__(
        self,
        *,
        conn_timeout: float = 10.0,
        banner_timeout: float = 15.0,
        auth_timeout: float | None = None,
        read_timeout: float = 20.0,
        save_read_timeout: float = 100.0,
        backup_read_timeout: float = 60.0,
        connect_handler: Callable[..., Any] = ConnectHandler,
    ) -> None:
        self.conn_timeout = conn_timeout
        self.banner_timeout = banner_timeout
        self.auth_timeout = auth_timeout
        self.read_timeout = read_timeout
        self.save_read_timeout = save_read_timeout
        self.backup_read_timeout = backup_read_timeout
        self.connect_handler = connect_handler

    def apply(
        self,
        access: SwitchAccess,
        items: Sequence[tuple[str, PortState]],
        *,
        on_change: Callable[[PortOutcome], None] | None = None,
    ) -> BatchResult:
        """Bring each ``(interface, desired)`` of one switch to its desired state, then save."""
        result = BatchResult(access.hostname, [])
        try:
            vendor = vendor_for(access.device_type)
            interfaces = [vendor.normalize_interface(i) for i, _ in items]
        except ValueError as exc:
            result.outcomes = [PortOutcome(i, d, _listener=on_change) for i, d in items]
            return self._finish_all(result, ProvisioningState.FAILED, str(exc))
        result.outcomes = [
            PortOutcome(i, d, _listener=on_change)
            for i, (_, d) in zip(interfaces, items, strict=True)
        ]
        session = _Session(self, access)
        try:
            for o in result.outcomes:
                o.move(ProvisioningState.CONNECTING)
            try:
                session.open()
            except SwitchError as exc:
                return self._finish_all(result, exc.state, str(exc))
            for o in result.outcomes:
                self._apply_port(session, vendor, o)
            self._save(session, vendor, result)
        finally:
            session.close()
            result.transcript = session.transcript()
            result.finished_at = _now()
        log.info(
            "Provisioned %s: %s",
            access.hostname,
            ", ".join(f"{o.interface}={o.state}" for o in result.outcomes),
        )
        return result

    def _finish_all(
        self, result: BatchResult, state: ProvisioningState, message: str
    ) -> BatchResult:
        result.error = message
        for o in result.outcomes:
            if not o.is_final:
                o.error = message
                o.move(state)
        result.finished_at = _now()
        return result

    def _read_port(self, conn: Any, vendor: Vendor, interface: str) -> tuple[str, PortState]:
        text = conn.send_command(vendor.show_interface(interface), read_timeout=self.read_timeout)
        return text, vendor.parse_port_state(text, interface)

    def _apply_port(self, session: _Session, vendor: Vendor, o: PortOutcome) -> None:
        try:
            conn = session.ensure()
        except SwitchError as exc:
            o.error = str(exc)
            o.move(exc.state)
            return
        try:
            o.before_config, o.before = self._read_port(conn, vendor, o.interface)
            # a policy attached to a port exists on the switch: never defined again
            session.defined_policies.update(attached_policies(PortState(), o.before))
            check_description(o.desired.description)
            commands = vendor.port_commands(o.interface, o.before, o.desired,
                                            defined=session.defined_policies)
        except SESSION_ERRORS as exc:
            session.suspect = True
            if not isinstance(exc, ValueError):
                # A timeout may leave unread output behind: start the next port afresh.
                session.close()
            o.error = describe_session_error(exc)
            o.move(ProvisioningState.FAILED)
            return
        o.commands = commands
        if commands:
            o.move(ProvisioningState.APPLYING)
        try:
            if commands:
                conn.send_config_set(
                    commands, error_pattern=vendor.error_pattern, read_timeout=self.read_timeout
                )
                session.defined_policies.update(attached_policies(o.before, o.desired))
                o.move(ProvisioningState.VERIFYING)
                o.after_config, o.after = self._read_port(conn, vendor, o.interface)
            else:
                o.move(ProvisioningState.VERIFYING)
                o.after_config, o.after = o.before_config, o.before
            if o.after != o.desired:
                raise _VerifyMismatchError(f"read back {o.after} instead of {o.desired}")
        except _VerifyMismatchError as exc:
            o.error = f"verification failed: {exc}"
            if commands:
                self._rollback(session, vendor, o)
            else:
                o.move(ProvisioningState.NEEDS_ATTENTION)
        except SESSION_ERRORS as exc:
            # A rejected line leaves a live session in config mode; anything else may have
            # killed the channel or left unread output, so get a fresh connection.
            session.suspect = not isinstance(exc, ConfigInvalidException)
            o.error = describe_session_error(exc)
            self._rollback(session, vendor, o, fresh=session.suspect)

    def _rollback(
        self, session: _Session, vendor: Vendor, o: PortOutcome, *, fresh: bool = False
    ) -> None:
        assert o.before is not None
        try:
            conn = session.ensure(fresh=fresh)
            if conn.check_config_mode():
                conn.exit_config_mode()
            _, current = self._read_port(conn, vendor, o.interface)
            o.rollback_commands = vendor.port_commands(o.interface, current, o.before,
                                                       defined=session.defined_policies)
            if o.rollback_commands:
                conn.send_config_set(
                    o.rollback_commands,
                    error_pattern=vendor.error_pattern,
                    read_timeout=self.read_timeout,
                )
            o.after_config, o.after = self._read_port(conn, vendor, o.interface)
        except SwitchError as exc:
            o.error = f"{o.error}; rollback impossible: {exc}"
            o.move(ProvisioningState.NEEDS_ATTENTION)
            return
        except SESSION_ERRORS as exc:
            session.suspect = True
            o.error = f"{o.error}; rollback failed: {describe_session_error(exc)}"
            o.move(ProvisioningState.NEEDS_ATTENTION)
            return
        if o.after == o.before:
            o.move(ProvisioningState.ROLLED_BACK)
        else:
            o.error = f"{o.error}; after rollback read back {o.after}, not {o.before}"
            o.move(ProvisioningState.NEEDS_ATTENTION)

    def _save(self, session: _Session, vendor: Vendor, result: BatchResult) -> None:
        verified = [o for o in result.outcomes if o.state == ProvisioningState.VERIFYING]
        to_save = [o for o in verified if o.commands]
        for o in verified:
            if not o.commands:
                o.move(ProvisioningState.SUCCEEDED)
        if not to_save:
            return
        for o in to_save:
            o.move(ProvisioningState.SAVING)
        try:
            conn = session.ensure()
            result.save_output = conn.send_command(
                vendor.save_command, read_timeout=self.save_read_timeout
            )
            result.saved = vendor.save_succeeded(result.save_output)
            problem = None if result.saved else f"'{vendor.save_command}' did not confirm success"
        except SwitchError as exc:
            problem = f"applied and verified but not saved: {exc}"
        except SESSION_ERRORS as exc:
            problem = f"applied and verified but not saved: {describe_session_error(exc)}"
        for o in to_save:
            if problem is None:
                o.move(ProvisioningState.SUCCEEDED)
            else:
                o.error = problem
                o.move(ProvisioningState.NEEDS_ATTENTION)
        if problem is not None:
            result.error = problem

    def backup_running_config(self, access: SwitchAccess) -> str:
        """The switch's full running config (raises ``SwitchError``)."""
        vendor = vendor_for(access.device_type)
        session = _Session(self, access)
        try:
            conn = session.open()
            return conn.send_command(vendor.backup_command, read_timeout=self.backup_read_timeout)
        except SESSION_ERRORS as exc:
            raise SwitchError(
                f"{access.hostname}: backup failed: {describe_session_error(exc)}",
                ProvisioningState.FAILED,
            ) from exc
        finally:
            session.close()


def backup_running_config(
    access: SwitchAccess, configurator: SwitchConfigurator | None = None
) -> str:
    """The full running config of one switch (raises ``SwitchError``)."""
    return (configurator or NetmikoConfigurator()).backup_running_config(access)


def apply_batches(
    configurator: SwitchConfigurator,
    batches: Sequence[tuple[SwitchAccess, Sequence[tuple[str, PortState]]]],
    *,
    max_workers: int = 8,
) -> list[BatchResult]:
    """Run one batch per switch in a bounded thread pool (one session per switch at a time).

    Two batches for the same hostname are merged into one, since a switch must never get two
    config sessions at once. Results come back in the order of first appearance.
    """
    merged: dict[str, tuple[SwitchAccess, list[tuple[str, PortState]]]] = {}
    for access, items in batches:
        merged.setdefault(access.hostname, (access, []))[1].extend(items)
    if not merged:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(merged)))) as pool:
        futures = [
            pool.submit(configurator.apply, access, items) for access, items in merged.values()
        ]
        return [f.result() for f in futures]


# Keep the whitelist importable from here for the forms of the job layer.
DESCRIPTION_PATTERN = DESCRIPTION_ALLOWED.pattern
