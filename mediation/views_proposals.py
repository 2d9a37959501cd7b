"""Pages of the coaching proposals (issue 20): mediators accept or decline; the orientation
queue for operators; the analyst's "first session within 30 days" figure."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.query import parse
from mediation import proposals
from mediation.choices import THEMES
from mediation.models_proposals import CoachingProposal
from mediation.schemas import ProposalQuery
from mediation.slots import local

bp = Blueprint("mediation_proposals", __name__, template_folder="templates")

register_nav(_l("Propositions"), "mediation_proposals.proposal_list", Role.MEDIATOR,
             Role.OPERATOR, order=55)
register_nav(_l("Suivi des connexions"), "mediation_proposals.followed_figures", Role.ANALYST,
             order=67)  # after the dashboard: an analyst lands on the dashboard


class AcceptForm(FlaskForm):
    slot_id = SelectField(_l("Créneau"), coerce=int, validators=[DataRequired()])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Pourquoi refuser ?"),
                           validators=[DataRequired(), Length(max=500)])


def _accept_form(proposal, form: AcceptForm | None = None,
                 choices: dict | None = None) -> AcceptForm:
    """The form accepting ``proposal``; ``choices``, by association, keeps a list page from
    reading the same association's slots again for each of its proposals."""
    form = form or AcceptForm(prefix=f"p{proposal.id}")
    choices = {} if choices is None else choices
    if proposal.association_id not in choices:
        choices[proposal.association_id] = [
            (slot.id,
             f"{local(slot.starts_at):%d/%m/%Y %H:%M} — {THEMES.get(slot.topic, slot.topic)}")
            for slot in proposals.slots_for(proposal)]
    form.slot_id.choices = choices[proposal.association_id]
    return form


def _list_page(errors: dict | None = None, status: int = 200):
    actor = current_actor()
    scope = Scope.of(actor)
    queue = parse(ProposalQuery).queue == "1" and not scope.is_mediator
    # The page's households and associations joined into its query, not one per proposal.
    rows = list(db.session.execute(proposals.proposals_query(scope, queue_only=queue)
                                   .options(joinedload(CoachingProposal.household,
                                                       innerjoin=True),
                                            joinedload(CoachingProposal.association))
                                   .limit(200)).scalars())
    errors = errors or {}
    choices: dict = {}
    forms = {p.id: (errors.get(p.id, (None, None))[0] or _accept_form(p, choices=choices),
                    errors.get(p.id, (None, None))[1] or DeclineForm(prefix=f"d{p.id}"))
             for p in rows}
    html = render_template("mediation/proposals/list.html", rows=rows, forms=forms,
                           queue=queue, scope=scope, KIND_LABELS=proposals.KIND_LABELS,
                           can_answer=Role(actor.role) in (Role.MEDIATOR, Role.ADMIN))
    audit.record_request("read", "household_list", None,
                         detail="proposals: " + ",".join(str(p.household_id) for p in rows))
    db.session.commit()
    return html, status


@bp.get("/mediation/proposals")
@require_role(Role.MEDIATOR, Role.OPERATOR, scope="own_association")
def proposal_list():
    return _list_page()


@bp.post("/mediation/proposals/<int:proposal_id>/accept")
@require_role(Role.MEDIATOR, scope="own_association")
def proposal_accept(proposal_id: int):
    actor = current_actor()
    proposal = proposals.get_proposal(proposal_id, Scope.of(actor))
    form = _accept_form(proposal, AcceptForm(prefix=f"p{proposal.id}"))
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                proposals.accept(proposal, form.slot_id.data, actor=actor)
            audit.record_request("book", "household", proposal.household_id,
                                 detail=f"proposal {proposal.id}")
            db.session.commit()
            flash(_("Proposition acceptée : le rendez-vous est réservé."), "success")
            return redirect(url_for("mediation_proposals.proposal_list"))
        except DomainError as error:
            show_domain_error(form, error, "slot_id")
    elif not form.slot_id.choices:
        form.slot_id.errors = [_("Aucun créneau libre : publiez-en un d'abord.")]
    return _list_page({proposal.id: (form, None)}, 400)


@bp.post("/mediation/proposals/<int:proposal_id>/decline")
@require_role(Role.MEDIATOR, scope="own_association")
def proposal_decline(proposal_id: int):
    actor = current_actor()
    proposal = proposals.get_proposal(proposal_id, Scope.of(actor))
    form = DeclineForm(prefix=f"d{proposal.id}")
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                proposals.decline(proposal, form.reason.data, actor=actor)
            audit.record_request("decision", "household", proposal.household_id,
                                 detail=f"proposal {proposal.id} declined")
            db.session.commit()
            flash(_("Proposition refusée."), "success")
            return redirect(url_for("mediation_proposals.proposal_list"))
        except DomainError as error:
            show_domain_error(form, error, "reason")
    return _list_page({proposal.id: (None, form)}, 400)


@bp.get("/mediation/proposals/figures")
@require_role(Role.ANALYST, Role.OPERATOR, scope="aggregates")
def followed_figures():
    """Connections followed by a first coaching session within 30 days, month by month."""
    months = proposals.followed_months(proposals.recent_periods(12))
    return render_template("mediation/proposals/figures.html", months=months,
                           days=proposals.FOLLOWED_WITHIN_DAYS)
