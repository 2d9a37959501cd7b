"""Pages: the public request form and its acknowledgement, the operators' queue, the map."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from isp import audit
from isp.auth import current_actor, public, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import number, percent
from isp.forms import discard_refused_change
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from outreach import acknowledgement, contours, figures, services, svgmap
from outreach.choices import REQUESTER_LABELS, STATUS_LABELS, TRANSITIONS, RequestStatus
from outreach.schemas import RequestQueueQuery
from subscribers.models import District

bp = Blueprint("outreach", __name__, template_folder="templates")

QUEUE_ROLES = (Role.OPERATOR,)
MAP_ROLES = (Role.ANALYST, Role.OPERATOR)

register_nav(_l("Demandes publiques"), "outreach.queue", *QUEUE_ROLES, order=58)

#: The file the map asks for when no contour is imported yet.
CONTOURS_HINT = _l("Importez les contours des quartiers ou des IRIS publiés en données "
                   "ouvertes par Nantes Métropole (jeu « Contours des IRIS » ou « Quartiers de "
                   "Nantes », format GeoJSON, WGS84) : isp contours import FICHIER --property "
                   "code_iris --match iris_code --skip-unknown, ou la page d'administration "
                   "des contours.")


def _districts() -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(District.code, District.name).order_by(District.name)).all()]


# --- public -------------------------------------------------------------------------------------

def _form_page(values: dict, errors: dict[str, str], status: int = 200):
    return render_template("outreach/request_form.html", values=values, errors=errors,
                           districts=_districts(), kinds=REQUESTER_LABELS,
                           honeypot=services.HONEYPOT_FIELD), status


@bp.get("/demande")
@public
def request_form():
    """Public: ask for the service for an address or a building (no account needed)."""
    return _form_page({}, {})


@bp.post("/demande")
@public
def request_submit():
    values = request.form.to_dict()
    try:
        outcome = services.submit_request(values, client_address=request.remote_addr)
    except DomainError as error:
        discard_refused_change()
        if error.status == 429:
            return render_template("errors/error.html", status=429,
                                   message=error.message), 429
        _clean, errors = services.check_request(values)
        return _form_page(values, errors or {error.field or "street": error.message}, 422)
    db.session.commit()
    acknowledgement.send_acknowledgement(outcome)
    if outcome.kind == "supported":
        return redirect(url_for("outreach.request_ack", ref=outcome.reference, support=1), 303)
    return redirect(url_for("outreach.request_ack", ref=outcome.reference), 303)


@bp.get("/demande/merci")
@public
def request_ack():
    """The acknowledgement: the reference and, for a duplicate, that it joined a request."""
    # It only repeats what the query says (no record is read): nothing to protect.
    reference = request.args.get("ref", "")
    if not services.REFERENCE_PATTERN.fullmatch(reference):
        return render_template("errors/error.html", status=404,
                               message=_("Accusé de réception introuvable.")), 404
    return render_template("outreach/request_ack.html", reference=reference,
                           duplicate=request.args.get("support") == "1")


# --- the operators' queue ------------------------------------------------------------------------

@bp.get("/demandes")
@require_role(*QUEUE_ROLES)
def queue():
    filters = parse(RequestQueueQuery)
    status, district, q = filters.status, filters.district, filters.q
    page = paginate(services.queue_list(status=status, district_code=district, q=q))
    # Rendered before the audit entry's commit, which expires the rows: reading them again
    # cost a query per request and per district (17 statements a page, issue 23.3).
    html = render_template("outreach/queue.html", page=page, status=status, district=district,
                           q=q or "", statuses=STATUS_LABELS, districts=_districts(),
                           kinds=REQUESTER_LABELS)
    audit.record_request("list", "service_request", None,
                         detail=f"status={status} district={district}")
    db.session.commit()
    return html


def _detail_page(item, error: DomainError | None = None, status: int = 200):
    return render_template("outreach/request_detail.html", item=item, error=error,
                           statuses=STATUS_LABELS, kinds=REQUESTER_LABELS,
                           next_statuses=sorted(TRANSITIONS[RequestStatus(item.status)]),
                           districts=_districts()), status


@bp.get("/demandes/<reference>")
@require_role(*QUEUE_ROLES)
def request_detail(reference: str):
    item = services.get_request(reference)
    audit.record_request("view", "service_request", item.reference)
    db.session.commit()
    return _detail_page(item)


@bp.post("/demandes/<reference>/status")
@require_role(*QUEUE_ROLES)
def request_status(reference: str):
    item = services.get_request(reference)
    try:
        services.change_status(item, request.form.get("status"), actor=current_actor(),
                               reason=request.form.get("reason"))
    except DomainError as error:
        discard_refused_change()
        return _detail_page(services.get_request(reference), error,
                            400 if error.status == 422 else error.status)
    audit.record_request("update", "service_request", item.reference,
                         detail=f"status={item.status}")
    db.session.commit()
    flash(_("Statut enregistré : %(s)s.", s=STATUS_LABELS[RequestStatus(item.status)]),
          "success")
    return redirect(url_for("outreach.request_detail", reference=reference), 303)


@bp.post("/demandes/<reference>/district")
@require_role(*QUEUE_ROLES)
def request_district(reference: str):
    item = services.get_request(reference)
    try:
        services.set_district(item, request.form.get("district_code"), actor=current_actor())
    except DomainError as error:
        discard_refused_change()
        return _detail_page(services.get_request(reference), error, 400)
    audit.record_request("update", "service_request", item.reference, detail="district")
    db.session.commit()
    flash(_("Quartier enregistré."), "success")
    return redirect(url_for("outreach.request_detail", reference=reference), 303)


# --- the map ------------------------------------------------------------------------------------

def _map_page(*, public_page: bool):
    layer = request.args.get("show", "fragility")
    if layer not in figures.LAYERS:
        layer = "fragility"
    data = figures.map_data()
    names = {row.code: row.name for row in data.rows}
    values = {row.code: row.value(layer) for row in data.rows}

    def value_text(value: float) -> str:
        if layer == "take_up":
            return percent(value)
        return number(value, 1 if layer == "fragility" else 0)

    drawing = None
    if data.geometries:
        drawing = svgmap.choropleth(
            data.geometries, values, names, title=str(figures.LAYERS[layer]),
            description=_("Carte des quartiers colorés par classe de valeur ; les mêmes "
                          "chiffres figurent dans le tableau qui suit."),
            value_text=value_text, no_data_label=_("pas de chiffre publiable"))
    return render_template("outreach/map.html", data=data, layer=layer, layers=figures.LAYERS,
                           drawing=drawing, public_page=public_page, hint=CONTOURS_HINT,
                           endpoint="outreach.public_map" if public_page
                           else "outreach.analyst_map")


@bp.get("/evaluation/carte")
@require_role(*MAP_ROLES, scope="aggregates")
def analyst_map():
    """Analysts: the districts' fragility, take-up and requests, as a map and a table."""
    return _map_page(public_page=False)


@bp.get("/open-data/carte")
@public
def public_map():
    """Public: the same map and table as the analysts' (published figures only)."""
    return _map_page(public_page=True)


# --- contours (admin) --------------------------------------------------------------------------

@bp.get("/admin/contours")
@require_role(Role.ADMIN)
def contours_form():
    return render_template("outreach/contours.html", errors=[], match_columns=
                           contours.MATCH_COLUMNS, values={})


@bp.post("/admin/contours")
@require_role(Role.ADMIN)
def contours_upload():
    upload = request.files.get("file")
    values = request.form.to_dict()
    if upload is None or not upload.filename:
        return render_template("outreach/contours.html", errors=[_("Choisissez un fichier.")],
                               match_columns=contours.MATCH_COLUMNS, values=values), 400
    try:
        result = contours.import_contours(
            upload.read(), property_name=values.get("property_name") or "code",
            match=values.get("match") or "code", skip_unknown=bool(values.get("skip_unknown")),
            source=upload.filename, imported_by=current_actor().email)
    except DomainError as error:
        discard_refused_change()
        errors = getattr(error, "errors", None) or [error.message]
        return render_template("outreach/contours.html", errors=errors,
                               match_columns=contours.MATCH_COLUMNS, values=values), 400
    audit.record_request("import", "district_contours", None,
                         detail=f"{result.imported} imported")
    db.session.commit()
    flash(_("%(n)s contours importés, %(s)s entités ignorées.", n=result.imported,
            s=len(result.skipped)), "success")
    return redirect(url_for("outreach.analyst_map"), 303)

