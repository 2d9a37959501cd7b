"""Pages of the needs surveys: build, open and close (admin, analyst); links and collection
with a resident (operator, mediator in scope); results (aggregates); the public answer page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from isp import audit
from isp.auth import Scope, current_actor, public, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import discard_refused_change, flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from mediation.models import Association
from subscribers.models import Building
from surveys import results as survey_results
from surveys import services
from surveys.choices import AUDIENCE_LABELS, KIND_LABELS, STATE_LABELS, Audience, State
from surveys.forms import ActionForm, AnswerForm, LinksForm, QuestionForm, SurveyForm
from surveys.models import Survey, SurveyLink

bp = Blueprint("surveys", __name__, template_folder="templates")

BUILDERS = (Role.ANALYST,)
READERS = (Role.ANALYST, Role.OPERATOR, Role.MEDIATOR)
RESULT_READERS = (Role.ANALYST, Role.OPERATOR)
DISTRIBUTORS = (Role.OPERATOR,)
COLLECTORS = (Role.OPERATOR, Role.MEDIATOR)

register_nav(_l("Enquêtes"), "surveys.index", *READERS, order=66)


@bp.app_context_processor
def _labels():
    return {"SURVEY_AUDIENCES": AUDIENCE_LABELS, "SURVEY_STATES": STATE_LABELS,
            "SURVEY_KINDS": KIND_LABELS}


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def title_of(survey: Survey) -> str:
    return survey.title_en if _locale() == "en" and survey.title_en else survey.title_fr


@bp.get("/surveys")
@require_role(*READERS, scope="all")
def index():
    """The surveys (drafts: for the builders only)."""
    scope = Scope.of(current_actor())
    page = paginate(services.surveys_query(scope), per_page=25, values={})  # built once
    return render_template("surveys/index.html", page=page, title_of=title_of,
                           may_build=scope.role in (Role.ADMIN, Role.ANALYST))


def _survey_form() -> SurveyForm:
    form = SurveyForm()
    form.buildings.choices = [(b.code, f"{b.code} — {b.name}") for b in db.session.execute(
        select(Building).order_by(Building.code)).scalars()]
    form.associations.choices = [(a.code, f"{a.code} — {a.name}") for a in db.session.execute(
        select(Association).order_by(Association.code)).scalars()]
    return form


@bp.route("/surveys/new", methods=["GET", "POST"])
@require_role(*BUILDERS, scope="all")
def new():
    """A draft survey: titles, audience and its buildings or associations."""
    form = _survey_form()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                survey = services.create_survey(form.data_for_service(), current_actor())
            db.session.commit()
            flash(_("Enquête créée : ajoutez ses questions."), "success")
            return redirect(url_for("surveys.detail", survey_id=survey.id))
        except DomainError as error:
            show_domain_error(form, error, "title_fr")
    return render_template("surveys/new.html", form=form), (
        form_status())


def _detail(survey: Survey, *, question_form: QuestionForm | None = None, status: int = 200):
    actor = current_actor()
    role = Role(actor.role)
    return render_template(
        "surveys/detail.html", survey=survey, title_of=title_of, locale=_locale(),
        question_form=question_form or QuestionForm(formdata=None), action_form=ActionForm(),
        may_build=role in (Role.ADMIN, Role.ANALYST),
        may_distribute=role in (Role.ADMIN, Role.OPERATOR, Role.MEDIATOR),
        may_read_results=role in (Role.ADMIN, Role.ANALYST, Role.OPERATOR),
        own_link=services.own_link(survey, actor)), status


@bp.get("/surveys/<int:survey_id>")
@require_role(*READERS, scope="all")
def detail(survey_id: int):
    """The survey's questions in both languages, its state and actions."""
    return _detail(services.visible_survey(survey_id, Scope.of(current_actor())))


@bp.post("/surveys/<int:survey_id>/questions")
@require_role(*BUILDERS, scope="all")
def add_question(survey_id: int):
    """Add a question to a draft."""
    survey = services.get_survey(survey_id)
    if survey.state != State.DRAFT:
        flash(_("Les questions ne changent plus une fois l'enquête ouverte"), "error")
        return redirect(url_for("surveys.detail", survey_id=survey.id))
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                services.add_question(survey, form.data_for_service())
            db.session.commit()
            flash(_("Question ajoutée."), "success")
            return redirect(url_for("surveys.detail", survey_id=survey.id))
        except DomainError as error:
            _FormError.show(form, error)
    return _detail(survey, question_form=form, status=400)


class _FormError:
    @staticmethod
    def show(form: QuestionForm, error: DomainError) -> None:
        name = (error.field or "").rsplit(".", 1)[-1]
        if name.startswith("options"):
            name = "options"

        class _Named:
            message = error.message
            field = name

        show_domain_error(form, _Named, "text_fr")


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/delete")
@require_role(*BUILDERS, scope="all")
def delete_question(survey_id: int, question_id: int):
    survey = services.get_survey(survey_id)
    if ActionForm().validate_on_submit():
        _act(lambda: services.delete_question(survey, question_id), _("Question retirée."))
    return redirect(url_for("surveys.detail", survey_id=survey.id))


@bp.post("/surveys/<int:survey_id>/open")
@require_role(*BUILDERS, scope="all")
def open_(survey_id: int):
    """Open a draft to answers: its questions are fixed from now on."""
    survey = services.get_survey(survey_id)
    if ActionForm().validate_on_submit():
        _act(lambda: services.open_survey(survey), _("Enquête ouverte aux réponses."))
    return redirect(url_for("surveys.detail", survey_id=survey.id))


def _act(action, done: str) -> None:
    """A button's action: done and said, or refused with the reason in a flash (the button
    has no field to show it beside)."""
    try:
        with db.session.begin_nested():
            action()
        db.session.commit()
        flash(done, "success")
    except DomainError as error:
        flash_domain_error(error)


@bp.post("/surveys/<int:survey_id>/close")
@require_role(*BUILDERS, scope="all")
def close(survey_id: int):
    survey = services.get_survey(survey_id)
    if ActionForm().validate_on_submit():
        _act(lambda: services.close_survey(survey), _("Enquête clôturée."))
    return redirect(url_for("surveys.detail", survey_id=survey.id))


# --- links and collection with the person --------------------------------------------------------

@bp.route("/surveys/<int:survey_id>/links", methods=["GET"])
@require_role(*COLLECTORS, scope="own_association")
def links(survey_id: int):
    """The printable list of answer links (mediators: their households' and members')."""
    scope = Scope.of(current_actor())
    survey = services.visible_survey(survey_id, scope)
    return _links_page(survey, scope, LinksForm(formdata=None))


def _links_page(survey: Survey, scope: Scope, form: LinksForm, status: int = 200):
    # 40 a page: a printed sheet or two, and a light page (the DOM size counts in the budget).
    page = paginate(services.links_query(survey, scope), per_page=40)
    household_ids = [link.household_id for link in page.items if link.household_id]
    html = render_template("surveys/links.html", survey=survey, page=page, form=form,
                           title_of=title_of, may_generate=scope.role in DISTRIBUTORS
                           or scope.role is Role.ADMIN, Audience=Audience, State=State)
    if household_ids:
        audit.record_request("read", "household_list", None, detail=f"survey {survey.id} "
                             "links: " + ",".join(str(i) for i in household_ids))
        db.session.commit()
    return html, status


@bp.post("/surveys/<int:survey_id>/links")
@require_role(*DISTRIBUTORS, scope="all")
def generate_links(survey_id: int):
    """Create links: one per household, one per association member, or N anonymous ones."""
    scope = Scope.of(current_actor())
    survey = services.visible_survey(survey_id, scope)
    form = LinksForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                if form.kind.data == "households":
                    created = services.generate_household_links(survey)
                elif form.kind.data == "members":
                    created = services.generate_member_links(survey)
                else:
                    created = services.generate_anonymous_links(survey, form.count.data or 0)
            db.session.commit()
            flash(_("%(count)s lien(s) créé(s).", count=created), "success")
            return redirect(url_for("surveys.links", survey_id=survey.id))
        except DomainError as error:
            show_domain_error(form, error, "kind")
    return _links_page(survey, scope, form, 400)


@bp.route("/surveys/<int:survey_id>/collect/<int:link_id>", methods=["GET", "POST"])
@require_role(*COLLECTORS, scope="own_association")
def collect(survey_id: int, link_id: int):
    """A staff member fills in the answers with the household (mediators: theirs only)."""
    scope = Scope.of(current_actor())
    survey = services.visible_survey(survey_id, scope)
    services.check_may_collect(survey, scope)
    link = services.link_for_staff(survey, link_id, scope)
    audit.record_request("read", "household", link.household_id, detail=f"survey {survey.id}")
    db.session.commit()
    return _answer(link, by_staff=True,
                   action=url_for("surveys.collect", survey_id=survey.id, link_id=link.id))


# --- results -------------------------------------------------------------------------------------

@bp.get("/surveys/<int:survey_id>/results")
@require_role(*RESULT_READERS, scope="aggregates")
def results(survey_id: int):
    """Counts per option and scale distributions (small cells suppressed); free texts for the
    owner role."""
    actor = current_actor()
    survey = services.visible_survey(survey_id, Scope.of(actor))
    figures = survey_results.survey_results(survey)
    texts = None
    if survey_results.may_read_texts(actor, survey) and not figures.suppressed:
        texts = survey_results.free_texts(survey)
    return render_template("surveys/results.html", survey=survey, figures=figures,
                           texts=texts, title_of=title_of, locale=_locale())


@bp.get("/surveys/<int:survey_id>/texts.csv")
@require_role(*BUILDERS, scope="aggregates")
def texts_csv(survey_id: int):
    """The free texts for the qualitative study: no name, household, person or date."""
    actor = current_actor()
    survey = services.get_survey(survey_id)
    if not survey_results.may_read_texts(actor, survey):
        raise DomainError(_("Les réponses libres sont réservées au rôle qui a construit "
                            "l'enquête"), status=403)
    if survey_results.survey_results(survey).suppressed:
        raise DomainError(_("Moins de 5 réponses : rien n'est publié"), status=409)
    return Response(survey_results.texts_csv(survey), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=survey-{survey.id}-texts.csv"})


# --- the public answer page ----------------------------------------------------------------------

@bp.route("/enquete/<token>", methods=["GET", "POST"])
@public
def answer(token: str):
    """The person's own link: no account; one answer per link."""
    link = services.link_by_token(token)
    return _answer(link, by_staff=False, action=url_for("surveys.answer", token=token))


def _answer(link: SurveyLink, *, by_staff: bool, action: str):
    survey = link.survey
    form = AnswerForm()
    errors: dict[str, str] = {}
    chosen: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = {key: request.form.getlist(key) for key in request.form if key.startswith("q")}
        if not form.validate_on_submit():
            errors["form"] = _("Le formulaire a expiré : renvoyez-le.")
        else:
            try:
                with db.session.begin_nested():
                    services.submit(link, chosen, by_staff=by_staff)
                db.session.commit()
                return render_template("surveys/thanks.html", survey=survey, title_of=title_of,
                                       by_staff=by_staff)
            except services.AnswerErrors as refused:
                errors = refused.fields
            except DomainError as error:
                discard_refused_change()
                return render_template("surveys/closed.html", survey=survey,
                                       title_of=title_of, message=error.message,
                                       refused=True), error.status
    elif link.used or survey.state != State.OPEN:
        message = (_("Une réponse a déjà été donnée avec ce lien. Merci !") if link.used
                   else _("Cette enquête n'est pas ouverte aux réponses."))
        return render_template("surveys/closed.html", survey=survey, title_of=title_of,
                               message=message)
    return render_template("surveys/answer.html", survey=survey, form=form, errors=errors,
                           chosen=chosen, title_of=title_of, locale=_locale(), action=action,
                           by_staff=by_staff), form_status()
