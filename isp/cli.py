"""The ``isp`` command: a Flask CLI group with the project's commands (docs/design.md §4.3)."""

from __future__ import annotations

import functools
import signal
import socket
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from isp import audit, registry
from isp.auth import access_matrix, end_sessions_of
from isp.csvimport import ImportRejected, run_import
from isp.demo import seed_demo
from isp.errors import DomainError
from isp.extensions import db
from isp.gdpr import export_household_json, purge_expired
from isp.i18n import gettext as _
from isp.scheduler import run_blocking, start_background
from isp.services import check_password_strength, create_token, create_user, get_user_by_email


class IspGroup(FlaskGroup):
    """Turns DomainError into one clear line on stderr and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            raise click.ClickException(error.message) from None


# The app comes from ``isp.console`` (the console script), which imports the factory.
@click.group(cls=IspGroup, add_default_commands=True, add_version_option=False)
def cli() -> None:
    """social-isp back-office."""


def _commit_or_rollback(action):
    try:
        result = action()
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


# --- users and tokens --------------------------------------------------------------------------

@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("email", required=False)
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "mediator",
                                                          "analyst", "resident"]))
@click.option("--association", "association_code", help="Association code (mediators).")
@click.option("--household", "household_id", type=int,
              help="Household id (residents: their sign-in ends with its move-out).")
@click.option("--phone", help="Residents: a French mobile number as the login, instead of EMAIL.")
@click.option("--password", help="Password; asked for when omitted (not for residents).")
@click.option("--name", default="", help="Display name.")
@with_appcontext
def users_create(email, role, association_code, household_id, phone, password, name):
    """Create a user (a resident: with --household, and EMAIL or --phone as the login)."""
    create_account = registry.account_creator(role)  # a role a domain owns (residents)
    if create_account is not None:
        login = _commit_or_rollback(lambda: create_account(email, phone, household_id, name))
        click.echo(_("Compte résident %(login)s créé pour le foyer %(id)s", login=login,
                     id=household_id))
        return
    if email is None:
        raise click.UsageError("EMAIL is required")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _commit_or_rollback(lambda: create_user(email, role, password=password, name=name,
                                                   association_code=association_code))
    click.echo(_("Utilisateur %(email)s créé avec le rôle %(role)s", email=user.email,
                 role=user.role))


@users.command("reset-password")
@click.argument("email")
@click.option("--password", required=True, help="Temporary password, to change at next login.")
@with_appcontext
def users_reset_password(email, password):
    """Set a temporary password; the user must change it at next login."""
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(_("Aucun utilisateur %(email)s", email=email))

    def _reset():
        check_password_strength(password)
        user.set_password(password)
        user.must_change_password = True
        end_sessions_of(user)

    _commit_or_rollback(_reset)
    click.echo(_("Mot de passe de %(email)s réinitialisé ; il devra être changé à la "
                 "prochaine connexion", email=user.email))


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@with_appcontext
def tokens_create(email):
    """Create an API token; the token is printed alone on the last line."""
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(_("Aucun utilisateur %(email)s", email=email))
    token = _commit_or_rollback(lambda: create_token(user))
    click.echo(_("Jeton de %(email)s (rôle %(role)s) ; gardez-le secret, il n'est montré "
                 "qu'une fois :", email=user.email, role=user.role))
    click.echo(token)


# --- imports -----------------------------------------------------------------------------------

@cli.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--decided-by", "decided_by", help="E-mail of the person whose decisions these are.")
@with_appcontext
def import_command(kind, file, decided_by):
    """Import a CSV file, all or nothing. KIND: districts, buildings, units, households, ..."""
    decider = None
    if decided_by:
        decider = get_user_by_email(decided_by)
        if decider is None:
            raise click.ClickException(_("Aucun utilisateur %(email)s", email=decided_by))
    try:
        result = run_import(kind, file.read_bytes(), actor=decider, decided_by=decider)
        audit.record("import", actor=decider, record_type=kind, route=f"cli import {kind}",
                     detail=f"{result.rows} rows from {file.name}")
        db.session.commit()
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            click.echo(f"{file.name}: {error}", err=True)
        if rejected.more:
            click.echo(_("%(file)s : … et %(n)s autres erreurs", file=file.name, n=rejected.more),
                       err=True)
        raise click.ClickException(rejected.message) from None
    click.echo(_("%(rows)s ligne(s) importée(s) (%(kind)s) depuis %(file)s", rows=result.rows,
                 kind=kind, file=file.name))


# --- data protection ---------------------------------------------------------------------------

@cli.group()
def gdpr() -> None:
    """Data-subject rights and retention."""


@gdpr.command("export")
@click.argument("household_id", type=int)
@with_appcontext
def gdpr_export(household_id):
    """Print, as JSON, all data held about a household (the access is audited)."""
    text = _commit_or_rollback(lambda: export_household_json(
        household_id, actor=None, route=f"cli gdpr export {household_id}"))
    click.echo(text)


@gdpr.command("purge")
@with_appcontext
def gdpr_purge():
    """Apply the retention rules now (the scheduler does it daily)."""
    click.echo(str(_commit_or_rollback(purge_expired)))


@cli.command("access-matrix")
@with_appcontext
def access_matrix_command():
    """Print every route with its roles and scope rule (Markdown)."""
    click.echo("| route | methods | roles | scope |\n|---|---|---|---|")
    for rule, _endpoint, methods, access in access_matrix(current_app):
        roles = ", ".join(sorted(str(r) for r in access.roles)) if access else "UNDECLARED"
        click.echo(f"| `{rule}` | {', '.join(sorted(methods))} | {roles or 'public'} | "
                   f"{access.scope if access else ''} |")


# --- demo, lab, scheduler ----------------------------------------------------------------------

@cli.group()
def demo() -> None:
    """The Port-Boyer demo."""


@demo.command("seed")
@with_appcontext
def demo_seed():
    """Seed the Port-Boyer demo (idempotent)."""
    summary = seed_demo()
    click.echo(summary)


@cli.group()
def lab() -> None:
    """The simulated lab network."""


@lab.command("start")
@with_appcontext
def lab_start():
    """Serve the simulated building switches on 127.0.0.1 until Ctrl-C."""
    busy = busy_port(current_app, web=None, lab=True)
    if busy:
        raise click.ClickException(busy)
    stop = start_lab()
    if stop is None:
        raise click.ClickException(_("Le réseau de laboratoire n'est pas disponible dans cette "
                                     "installation"))
    click.echo(_("Réseau de laboratoire en service sur 127.0.0.1 ; Ctrl-C l'arrête"))
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        stop()


def start_lab():
    """Start what the installed tools declare to run beside the application (``run``: the lab
    network); returns a callable that stops them, or None when no tool is installed."""
    runners = list(registry.all_modules("run"))
    if not runners:
        return None
    stops = []
    try:
        for runner in runners:
            stops.append(runner.start(current_app))
    except BaseException:
        _stop_all(stops)
        raise
    return lambda: _stop_all(stops)


def _stop_all(stops: list) -> None:
    """Stop in the reverse order of the starts."""
    for stop in reversed(stops):
        stop()


@cli.command("worker")
@with_appcontext
def worker():
    """Run the scheduler alone (production: one worker, many web processes)."""
    run_blocking(current_app._get_current_object())


@cli.command("serve", hidden=True)
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-lab", is_flag=True, help="Do not start the simulated lab network.")
@click.option("--check-only", is_flag=True,
              help="Only check that no instance runs (its ports are free), then exit.")
@with_appcontext
def serve(host, port, no_lab, check_only):
    """Web + scheduler on one machine, with the lab network unless --no-lab."""
    # Before anything starts (and, with --check-only, before `make run` migrates and seeds):
    # a second start would fight the first one for its ports.
    busy = busy_port(current_app, web=(host, port), lab=not no_lab)
    if busy:
        raise click.ClickException(busy)
    if check_only:
        return
    app = current_app._get_current_object()
    # A stop by `kill` (or a service manager) unwinds like Ctrl-C, so the lab's simulator
    # processes stop too instead of holding their ports for the next start.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # Ctrl-C too, explicitly: a process started in the background by a shell inherits SIGINT
    # ignored, and Python then installs no KeyboardInterrupt handler (Ctrl-C did nothing).
    signal.signal(signal.SIGINT, _exit_on_signal)
    stop_lab = scheduler = None
    try:
        stop_lab = None if no_lab else start_lab()
        scheduler = start_background(app)
        click.echo(_("social-isp sur http://%(host)s:%(port)s/  (Ctrl-C arrête tout)", host=host,
                     port=port))
        # app.run() refuses to run inside a flask CLI command; the server it wraps does not.
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    except KeyboardInterrupt:
        pass  # Ctrl-C while starting: an asked-for stop, like Ctrl-C while serving
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if stop_lab:
            stop_lab()
    click.echo(_("social-isp arrêté"))


def _exit_on_signal(signum, _frame) -> None:
    # An asked-for stop is a success: `make run` then ends with status 0, not "Error 143".
    raise SystemExit(0)


def busy_port(app, *, web: tuple[str, int] | None, lab: bool) -> str | None:
    """One line naming the first port of ``isp run`` (web, lab SNMP, lab SSH) already taken,
    or None when they are all free.

    A port is taken when binding it fails, the test the servers themselves will meet a moment
    later (SO_REUSEADDR for TCP, as Werkzeug sets it: connections closing do not count).
    """
    def taken(kind: int, host: str, number: int) -> bool:
        with socket.socket(socket.AF_INET, kind) as probe:
            if kind == socket.SOCK_STREAM:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, number))
            except OSError:
                return True
        return False

    hint = "social-isp is probably already running: stop it first (Ctrl-C in its terminal)"
    if web is not None:
        host, port = web
        if taken(socket.SOCK_STREAM, host, port):
            return (f"Port {port} on {host} is already in use (web): {hint}, "
                    "or choose another port with --port")
    if lab:
        # The ports the installed tools declare (the lab: snmpsim's, then one SSH port per
        # switch); none without the lab extra.
        for runner in registry.all_modules("run"):
            for protocol, number, label in runner.ports(app):
                udp = protocol == "udp"
                if taken(socket.SOCK_DGRAM if udp else socket.SOCK_STREAM, "127.0.0.1", number):
                    return (f"{'UDP port' if udp else 'Port'} {number} on 127.0.0.1 is already "
                            f"in use ({label}): {hint}, or start without the lab (--no-lab)")
    return None


def _register_domain_commands() -> None:
    for module in registry.all_modules("commands"):
        module.register(cli)


def _wrap_domain_errors(command: click.Command) -> None:
    """Every command shows a DomainError as one line on stderr and exits 1, nothing half-written."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _wrap_domain_errors(sub)
    callback = command.callback
    if callback is None or getattr(callback, "_isp_wrapped", False):
        return

    @functools.wraps(callback)
    def wrapped(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None

    wrapped._isp_wrapped = True
    command.callback = wrapped


_register_domain_commands()
for _command in list(cli.commands.values()):
    _wrap_domain_errors(_command)

# `isp run` must be ours (web + scheduler + lab), not Flask's development server.
cli.commands.pop("run", None)
cli.add_command(serve, "run")
