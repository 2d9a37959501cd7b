"""Pages for support tickets and notifications."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import utcnow
from support import notifications
from support.choices import (
    CATEGORY_LABELS,
    EVENT_LABELS,
    PRIORITY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    TicketStatus,
)
from support.forms import CommentForm, TicketForm, UpdateForm
from support.models import Notification, Ticket, is_overdue, subject_shown
from support.network_tickets import format_duration
from support.queries import (
    TicketFilters,
    affected_unit_codes,
    assignable_users,
    get_ticket,
    household_tickets_statement,
    ticket_list,
)
from support.schemas import TicketQuery
from support.tickets import add_comment, open_ticket, update_ticket

bp = Blueprint("support", __name__, template_folder="templates")

register_nav(_l("Tickets"), "support.tickets", Role.OPERATOR, Role.MEDIATOR, order=40)
register_nav(_l("Mes notifications"), "support.my_notifications", Role.OPERATOR, Role.MEDIATOR,
             order=95)


@bp.app_context_processor
def _labels():
    return {"TICKET_STATUS_LABELS": STATUS_LABELS, "TICKET_CATEGORY_LABELS": CATEGORY_LABELS,
            "TICKET_PRIORITY_LABELS": PRIORITY_LABELS, "TICKET_SOURCE_LABELS": SOURCE_LABELS,
            "TICKET_EVENT_LABELS": EVENT_LABELS, "ticket_subject": subject_shown,
            "ticket_overdue": is_overdue}


def _assignee_choices() -> list[tuple[object, str]]:
    return [(None, _("— personne —"))] + [(u.id, u.name or u.email)
                                         for u in assignable_users()]


def _filters() -> TicketFilters:
    return parse(TicketQuery).filters()


@bp.get("/tickets")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def tickets():
    actor = current_actor()
    scope = Scope.of(actor)
    filters = _filters()
    # 15 rows of 9 columns keep the list in EcoIndex grade A once there are years of tickets
    # (50 rows made ~780 elements, grade C).
    found = ticket_list(scope, filters, actor=actor)
    page = paginate(found, per_page=15, scalars=False)
    html = render_template("support/tickets.html", page=page, filters=filters, scope=scope,
                           now=utcnow(), affected=affected_unit_codes(page.items),
                           assignees=[] if scope.is_mediator
                           else assignable_users())
    audit.record_request("read", "ticket_list", None, detail=f"{len(page.items)} tickets listed")
    db.session.commit()
    return html


@bp.route("/tickets/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def ticket_new():
    actor = current_actor()
    scope = Scope.of(actor)
    form = TicketForm(household_id=request.args.get("household", type=int),
                      unit_code=request.args.get("unit", ""))
    form.assignee_id.choices = _assignee_choices()
    if scope.is_mediator:
        for name in ("unit_code", "device_hostname", "source", "assignee_id"):
            del form[name]
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refused ticket leaves nothing behind
                ticket = open_ticket(
                    actor=actor, subject=form.subject.data, category=form.category.data,
                    priority=form.priority.data, description=form.description.data,
                    household_id=form.household_id.data,
                    source=None if scope.is_mediator else form.source.data,
                    unit_code=None if scope.is_mediator else form.unit_code.data,
                    device_hostname=None if scope.is_mediator else form.device_hostname.data,
                    assignee_id=None if scope.is_mediator else form.assignee_id.data)
        except DomainError as error:
            show_domain_error(form, error, "subject")
        else:
            audit.record_request("create", "ticket", ticket.number)
            db.session.commit()
            notifications.deliver_after_commit()
            flash(_("Ticket %(n)s ouvert.", n=ticket.number), "success")
            return redirect(url_for("support.ticket_detail", number=ticket.number))
        return render_template("support/ticket_form.html", form=form, scope=scope), 422
    return render_template("support/ticket_form.html", form=form, scope=scope), \
        form_status()


def _detail(ticket: Ticket, scope: Scope, *, comment_form=None, update_form=None,
            status: int = 200):
    if ticket.household_id is not None:
        audit.record_request("read", "household", ticket.household_id,
                             detail=f"ticket {ticket.number}")
    db.session.commit()
    if update_form is None and not scope.is_mediator:
        update_form = UpdateForm(status=ticket.status, priority=ticket.priority,
                                 assignee_id=ticket.assignee_id)
    if update_form is not None:
        update_form.assignee_id.choices = _assignee_choices()
        allowed = {ticket.status} | {s.value for s in TRANSITIONS[TicketStatus(ticket.status)]}
        update_form.status.choices = [(k.value, v) for k, v in STATUS_LABELS.items()
                                      if k.value in allowed]
    return render_template("support/ticket_detail.html", ticket=ticket, scope=scope,
                           comment_form=comment_form or CommentForm(), update_form=update_form,
                           now=utcnow(), format_duration=format_duration), status


@bp.get("/tickets/<number>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def ticket_detail(number: str):
    scope = Scope.of(current_actor())
    return _detail(get_ticket(number, scope), scope)


@bp.post("/tickets/<number>/comments")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def ticket_comment(number: str):
    actor = current_actor()
    scope = Scope.of(actor)
    ticket = get_ticket(number, scope)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                add_comment(ticket, actor=actor, body=form.body.data)
        except DomainError as error:
            show_domain_error(form, error, "body")
        else:
            db.session.commit()
            notifications.deliver_after_commit()
            flash(_("Commentaire ajouté."), "success")
            return redirect(url_for("support.ticket_detail", number=number))
    return _detail(ticket, scope, comment_form=form, status=400)


@bp.post("/tickets/<number>/update")
@require_role(Role.OPERATOR)
def ticket_update(number: str):
    actor = current_actor()
    scope = Scope.of(actor)
    ticket = get_ticket(number, scope)
    form = UpdateForm()
    form.assignee_id.choices = _assignee_choices()
    form.status.choices = [(k.value, v) for k, v in STATUS_LABELS.items()]
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # all the changes or none
                update_ticket(ticket, actor=actor, status=form.status.data,
                              priority=form.priority.data,
                              assignee_id=form.assignee_id.data, note=form.note.data,
                              usage_question=form.usage_question.data)
        except DomainError as error:
            flash_domain_error(error)  # the ticket is read again as stored
            return _detail(ticket, scope, status=error.status)
        db.session.commit()
        notifications.deliver_after_commit()
        flash(_("Ticket mis à jour."), "success")
        return redirect(url_for("support.ticket_detail", number=number))
    return _detail(ticket, scope, update_form=form, status=400)


@bp.get("/notifications")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="self")
def my_notifications():
    actor = current_actor()
    # Each notification links to its ticket by number: joined, not read one by one.
    page = paginate(notifications.notifications_query(actor).options(
        joinedload(Notification.ticket, innerjoin=True).load_only(Ticket.number)))
    # When the page holds them all (the usual case), their unread ones are counted on it.
    holds_all = page.total_exact and page.total == len(page.items)
    unread = (sum(1 for n in page.items if n.read_at is None) if holds_all
              else notifications.unread_count(actor))
    return render_template("support/notifications.html", page=page, unread=unread)


@bp.post("/notifications/read")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="self")
def notifications_read():
    count = notifications.mark_all_read(current_actor())
    db.session.commit()
    flash(_("%(n)s notification(s) marquée(s) comme lue(s).", n=count), "success")
    return redirect(url_for("support.my_notifications"))


#: Tickets on the household page: the latest few (the page gathers every domain's section);
#: the tickets list has them all.
TICKETS_ON_HOUSEHOLD_PAGE = 6


def _household_tickets_panel(household, scope: Scope):
    """The household page's "Tickets" section (in the viewer's scope)."""
    if not scope.sees_personal_data:
        return None
    now = utcnow()
    # One statement per kind of reader (the association is a value), built once.
    rows = db.session.execute(
        household_tickets_statement(Scope(scope.role), TICKETS_ON_HOUSEHOLD_PAGE),
        {"household_id": household.id, "now": now, "association_id": scope.association_id},
    ).scalars().all()
    return Markup(render_template("support/_household_panel.html", household=household,
                                  tickets=rows, now=now))
