"""Network pages for operators: devices per building, device and port pages, flat usage,
building availability. Charts are small server-side SVG (isp.svgchart) embedded as ``data:`` images,
each with its data table behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from isp import audit, svgchart
from isp.auth import require_role
from isp.choices import Role
from isp.csvimport import BadValue
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.formatting import octets
from isp.forms import discard_refused_change
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.timeutil import PARIS, utcnow
from network.availability import availability_by_day, availability_by_month
from network.choices import JOB_ACTION_LABELS, JOB_STATE_LABELS, DeviceRole
from network.device_fields import (
    DEVICE_TYPES,
    FIELDS,
    SECRET_COLUMNS,
    credentials_set,
    current_values,
    device_changes,
)
from network.intervals import (
    ambiguous_port,
    ambiguous_ports,
    default_poll_interval_s,
    poll_interval_s,
    update_device_settings,
)
from network.models import Device, DiscardedInterval, Outage, PollResult, Port
from network.topology import check_uplink, port_of_unit
from network.usage_store import (
    building_usage_days,
    by_month,
    port_usage_days,
    port_usage_hours,
    unit_usage_days,
    unit_usage_hours,
)
from subscribers.models import Building, Unit

bp = Blueprint("network", __name__, template_folder="templates")

register_nav(_l("Réseau"), "network.devices", Role.OPERATOR, order=30)

DISCARD_LABELS = {
    "clock": _l("horloge locale incohérente"),
    "reboot": _l("redémarrage de l'équipement"),
    "reset": _l("compteurs remis à zéro"),
    "wrap_implausible": _l("rebouclage impossible à ce débit"),
    "wrap_unverifiable": _l("rebouclage invérifiable (débit inconnu)"),
    "ambiguous": _l("compteur 32 bits trop petit pour ce débit"),
    "implausible": _l("saut supérieur au débit du port"),
    "invalid": _l("valeur hors limites"),
}
STATUS_LABELS = {"up": _l("joignable"), "down": _l("hors service"), "unknown": _l("inconnu")}
ERROR_LABELS = {"timeout": _l("pas de réponse"), "auth": _l("échec d'authentification"),
                "garbage": _l("réponse incomplète ou invalide"),
                "unresolvable": _l("adresse introuvable")}


@bp.app_context_processor
def _labels():
    return {"NET_STATUS_LABELS": STATUS_LABELS, "NET_ERROR_LABELS": ERROR_LABELS,
            "DISCARD_LABELS": DISCARD_LABELS, "JOB_STATE_LABELS": JOB_STATE_LABELS,
            "JOB_ACTION_LABELS": JOB_ACTION_LABELS}


@dataclass(frozen=True)
class Chart:
    """A chart image and the table it was drawn from."""

    title: str
    data_uri: str
    headers: list[str]
    rows: list[list[str]]


def usage_chart(title: str, rows: list[tuple[str, int, int]]) -> Chart:
    """Download/upload bars (in Mo) over labelled periods, with the table behind them."""
    svg = svgchart.column_chart(
        title, [label for label, _d, _u in rows],
        {_("Téléchargement"): [round(d / 1e6, 1) for _l2, d, _u in rows],
         _("Envoi"): [round(u / 1e6, 1) for _l2, _d, u in rows]}, unit="Mo")
    table = [[label, octets(d), octets(u)] for label, d, u in rows]
    return Chart(title, svgchart.data_uri(svg), [_("Période"), _("Téléchargement"), _("Envoi")],
                 table)


def by_week(days: list[tuple]) -> list[tuple[str, int, int]]:
    """Day rows (day, down, up) summed per ISO week, labelled by the week's Monday.

    90 daily rows made a 90-row table behind the chart (hundreds of elements); 13 weeks say the
    same trend, and the hourly chart keeps the fine grain of the last 48 hours.
    """
    weeks: dict = {}
    for day, down, up in days:
        monday = day - timedelta(days=day.weekday())
        total = weeks.setdefault(monday, [0, 0])
        total[0] += down
        total[1] += up
    return [(_("sem. du %(d)s", d=monday.strftime("%d/%m")), d, u)
            for monday, (d, u) in sorted(weeks.items())]


def _local(value: datetime) -> datetime:
    return value.astimezone(PARIS)


def usage_charts(hours: list, days: list, months: list, *, hour_count: int = 48) -> list[Chart]:
    """The three standard graphs: by hour (48 h), 90 days by week, the last 12 months by month.

    A year of months, not two: with the 48 hourly rows behind the first chart, 24 monthly rows
    put a flat's usage page in EcoIndex grade B once a subscription is two years old.
    """
    return [
        usage_chart(_("Par heure, %(n)s dernières heures", n=hour_count),
                    [(_local(h).strftime("%d/%m %Hh"), d, u) for h, d, u in hours]),
        usage_chart(_("Par semaine, 90 derniers jours"), by_week(days)),
        usage_chart(_("Par mois, 12 derniers mois"), months),
    ]


def _windows() -> tuple[datetime, datetime, object, object, object]:
    """48 hours; 90 days (first, last); the first day of the 12 months shown by month."""
    now = utcnow()
    today = now.astimezone(PARIS).date()
    year_of_months = (date(today.year - 1, today.month + 1, 1) if today.month < 12
                      else date(today.year, 1, 1))
    return now - timedelta(hours=48), now, today - timedelta(days=89), today, year_of_months


def _device_or_404(hostname: str) -> Device:
    device = db.session.execute(select(Device).where(Device.hostname == hostname)
                                ).scalar_one_or_none()
    if device is None:
        raise NotFoundError(_("Équipement %(h)s introuvable", h=hostname))
    return device


@bp.get("/network/devices")
@require_role(Role.OPERATOR)
def devices():
    search = request.args.get("q", "").strip()
    statement = _devices_statement()
    if search:
        pattern = f"%{search}%"
        statement = statement.where(or_(Device.hostname.ilike(pattern),
                                        Building.code.ilike(pattern),
                                        Building.name.ilike(pattern),
                                        Device.mgmt_address.ilike(pattern)))
    page = paginate(statement, values={})  # built once: no values but its own
    return render_template("network/devices.html", page=page, search=search)


@built_once
def _devices_statement() -> Select:
    # The join that sorts also fills each row's building (one query, not one per building).
    return (select(Device).join(Building, Building.id == Device.building_id)
            .options(contains_eager(Device.building))
            .order_by(Building.code, Device.role, Device.hostname))


@bp.get("/network/devices/<hostname>")
@require_role(Role.OPERATOR)
def device_detail(hostname: str):
    return _device_page(_device_or_404(hostname))


def _device_page(device: Device, *, form_values: dict | None = None,
                 errors: dict | None = None, status: int = 200):
    polls = db.session.execute(select(PollResult).where(PollResult.device_id == device.id)
                               .order_by(PollResult.at.desc()).limit(10)).scalars().all()
    outages = db.session.execute(select(Outage).where(Outage.device_id == device.id)
                                 .order_by(Outage.started_at.desc()).limit(10)).scalars().all()
    discarded = db.session.execute(
        select(DiscardedInterval, Port.if_name).join(Port, Port.id == DiscardedInterval.port_id)
        .where(Port.device_id == device.id).order_by(DiscardedInterval.at.desc()).limit(10)
    ).all()
    unattached = [p for p in device.ports if p.if_index is None]
    ports = [p for p in device.ports if p.if_index is not None]
    values = form_values or {
        "parent_hostname": device.parent_hostname or "",
        "poll_interval_s": device.poll_interval_s if device.poll_interval_s is not None else ""}
    return render_template("network/device_detail.html", device=device, polls=polls,
                           outages=outages, discarded=discarded, ports=ports,
                           unattached=unattached, now=utcnow(), form_values=values,
                           errors=errors or {},
                           default_interval=default_poll_interval_s(),
                           interval=poll_interval_s(device),
                           ambiguous=ambiguous_ports(device)), status


#: French labels of the device form's fields (the same names as the CSV's columns)
DEVICE_FIELD_LABELS = {
    "building_code": _l("Immeuble"), "hostname": _l("Nom d'hôte"),
    "mgmt_address": _l("Adresse d'administration (IP ou nom)"), "role": _l("Rôle"),
    "device_type": _l("Type (netmiko)"), "snmp_version": _l("Version SNMP"),
    "snmp_port": _l("Port SNMP (vide : 161)"), "snmp_community": _l("Communauté SNMP v2c"),
    "snmp_user": _l("Utilisateur SNMP v3"), "snmp_auth_key": _l("Clé d'authentification SNMP v3"),
    "snmp_priv_key": _l("Clé de chiffrement SNMP v3"), "ssh_port": _l("Port SSH (vide : 22)"),
    "ssh_username": _l("Utilisateur SSH"), "ssh_password": _l("Mot de passe SSH"),
    "ssh_secret": _l("Secret « enable » SSH"), "model": _l("Modèle"),
    "power_watts": _l("Puissance (W)"), "embodied_kgco2e": _l("Émissions de fabrication (kgCO2e)"),
    "parent_hostname": _l("Équipement amont (nom d'hôte, vide : aucun)"),
}


def _device_form(device: Device | None, values: dict, errors: dict, status: int = 200):
    buildings = [(code, f"{code} — {name}") for code, name in db.session.execute(
        select(Building.code, Building.name).order_by(Building.code))]
    role_labels = {"access": _("accès"), "aggregation": _("agrégation")}
    return render_template(
        "network/device_form.html", device=device, values=values, errors=errors,
        labels=DEVICE_FIELD_LABELS, buildings=buildings,
        roles=[(str(r), role_labels.get(str(r), str(r))) for r in DeviceRole],
        device_types=[(t, t) for t in DEVICE_TYPES],
        stored=credentials_set(device) if device is not None else {}), status


def _save_device(device: Device | None):
    """Check the posted fields (network.device_fields, as the import and the API do) and
    create or update; a bad value is shown beside its field and nothing changes."""
    form = {name: request.form.get(name, "") for name in FIELDS
            if not (device is not None and name == "hostname")}
    # secrets are never sent back to the browser, not even after a refusal
    shown = {name: value for name, value in form.items() if name not in SECRET_COLUMNS}
    try:  # every check before anything changes
        changes = device_changes(form, device)
        parent = check_uplink(device, changes.pop("parent_hostname"))
    except BadValue as error:
        return _device_form(device, shown, {error.column: error.reason}, 400)
    except DomainError as error:
        discard_refused_change()
        return _device_form(device, shown, {error.field or "parent_hostname": error.message},
                            400)
    target = device or Device()
    for column, value in changes.items():
        setattr(target, column, value)
    target.parent = parent
    if device is None:
        db.session.add(target)
    db.session.flush()
    audit.record_request("create" if device is None else "update", "device", target.id)
    db.session.commit()
    flash(_("Équipement %(h)s enregistré.", h=target.hostname), "success")
    return redirect(url_for("network.device_detail", hostname=target.hostname))


@bp.route("/network/devices/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def device_new():
    if request.method == "POST":
        return _save_device(None)
    return _device_form(None, {"role": "access", "device_type": "cisco_ios",
                               "snmp_version": "2c"}, {})


@bp.route("/network/devices/<hostname>/edit", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def device_edit(hostname: str):
    device = _device_or_404(hostname)
    if request.method == "POST":
        return _save_device(device)
    return _device_form(device, current_values(device), {})


@bp.post("/network/devices/<hostname>/settings")
@require_role(Role.OPERATOR)
def device_settings(hostname: str):
    device = _device_or_404(hostname)
    parent = request.form.get("parent_hostname", "").strip()
    raw_interval = request.form.get("poll_interval_s", "").strip()
    values = {"parent_hostname": parent, "poll_interval_s": raw_interval}
    try:
        if raw_interval and not raw_interval.isdigit():
            raise DomainError(_("Un nombre entier de secondes est attendu."),
                              field="poll_interval_s")
        update_device_settings(
            device, parent_hostname=parent or None,
            poll_interval_s=int(raw_interval) if raw_interval else None)
    except DomainError as error:
        discard_refused_change()
        return _device_page(device, form_values=values,
                            errors={error.field or "parent_hostname": error.message},
                            status=400)
    db.session.commit()
    flash(_("Réglages de %(h)s enregistrés.", h=hostname), "success")
    return redirect(url_for("network.device_detail", hostname=hostname))


@bp.get("/network/ports/<int:port_id>")
@require_role(Role.OPERATOR)
def port_detail(port_id: int):
    port = db.session.get(Port, port_id)
    if port is None:
        raise NotFoundError(_("Port introuvable"))
    start_h, end_h, first, last, first_month = _windows()
    hours = port_usage_hours(port.id, start_h, end_h)
    # days before the hourly window come from the daily roll-ups (network.usage_store)
    year = port_usage_days(port.id, min(first, first_month), last)
    day_rows = [row for row in year if row[0] >= first]
    month_rows = by_month(row for row in year if row[0] >= first_month)
    if port.unit_id is not None:
        audit.record_request("read_usage", "unit", port.unit_id)
        db.session.commit()
    return render_template("network/port_detail.html", port=port,
                           charts=usage_charts(hours, day_rows, month_rows),
                           ambiguous=ambiguous_port(port),
                           interval=poll_interval_s(port.device))


@bp.get("/network/units/<code>/usage")
@require_role(Role.OPERATOR)
def unit_usage(code: str):
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFoundError(_("Logement %(c)s introuvable", c=code))
    _start, end_h, first, last, first_month = _windows()
    # A household's page: 24 hours by hour (enough for a support call, and less of a person's
    # day on screen); with 90 days by week and 12 months it stays in EcoIndex grade A.
    hours = unit_usage_hours(unit.id, end_h - timedelta(hours=24), end_h)
    days = unit_usage_days(unit.id, first, last)
    months = by_month(unit_usage_days(unit.id, first_month, last))
    port = db.session.execute(select(Port).where(Port.unit_id == unit.id)).scalar_one_or_none()
    audit.record_request("read_usage", "unit", unit.id)
    db.session.commit()
    return render_template("network/unit_usage.html", unit=unit, port=port,
                           charts=usage_charts(hours, days, months, hour_count=24))


@bp.get("/network/buildings/<code>")
@require_role(Role.OPERATOR)
def building_network(code: str):
    building = db.session.execute(select(Building).where(Building.code == code)
                                  ).scalar_one_or_none()
    if building is None:
        raise NotFoundError(_("Immeuble %(c)s introuvable", c=code))
    devices_ = db.session.execute(select(Device).where(Device.building_id == building.id)
                                  .order_by(Device.role, Device.hostname)).scalars().all()
    wired = dict(db.session.execute(
        select(Port.device_id, func.count()).where(
            Port.unit_id.is_not(None), Port.device_id.in_([d.id for d in devices_]))
        .group_by(Port.device_id)).all())
    _s, _e, first, last, _year = _windows()
    days = availability_by_day(building.id, last - timedelta(days=29), last)
    months = availability_by_month(building.id, 12, last)
    usage_days = building_usage_days(building.id, first, last)
    two_years = last.replace(day=1) - timedelta(days=700)
    usage_months = by_month(building_usage_days(building.id, two_years, last))
    charts = [usage_chart(_("Trafic des foyers par semaine, 90 derniers jours"),
                          by_week(usage_days)),
              usage_chart(_("Trafic des foyers par mois, 2 dernières années"), usage_months)]
    return render_template("network/building.html", building=building, devices=devices_,
                           wired=wired, days=list(reversed(days)), months=months,
                           charts=charts)


def _household_usage_panel(household, scope) -> Markup | None:
    """Link from the household page to its flat's usage (operators only)."""
    if getattr(scope, "is_mediator", False):
        return None
    port = port_of_unit(household.unit)  # read once for the page (the subscription's shows it)
    if port is None:
        return None
    device = port.device
    return Markup(render_template("network/_household_panel.html", port=port, device=device,
                                  url=url_for("network.unit_usage", code=household.unit.code)))
