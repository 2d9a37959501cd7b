"""Flask extensions, built without an app (bound in ``create_app``)."""

from functools import cached_property

from babel.support import NullTranslations
from flask import has_app_context
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic and SQLite batch mode need them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _babel_context():
    """Flask-Babel's per-request namespace (``g._flask_babel``), None before it exists or
    outside an application context: read here only, for the shortcuts below. Read through the
    application context's variable, not the ``g`` proxy: a page asks hundreds of times."""
    app_context = _cv_app.get(None)
    return None if app_context is None else getattr(app_context.g, "_flask_babel", None)


def request_locale_key() -> str:
    """The request's locale as text (``fr``, ``en``): the key of the formatting filters'
    caches, cheaper to hash and compare than babel's ``Locale`` (issue 23.3). Kept beside
    the locale it names, so ``force_locale`` still switches it."""
    context = _babel_context()
    locale = getattr(context, "babel_locale", None)
    if locale is None:
        return str(get_locale())
    kept = getattr(context, "isp_locale_key", None)
    if kept is None or kept[0] is not locale:
        kept = (locale, str(locale))
        context.isp_locale_key = kept
    return kept[1]


class _RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the request's translations for the request.

    Flask-Babel looks them up again for every string (context, locale, cache key: ~8 µs);
    a list page translates a few hundred strings (labels of each row, navigation). The
    locale is part of the key, so ``force_locale`` and ``refresh`` still switch language.
    """

    def get_translations(self):
        context = _babel_context()
        if context is None:
            return super().get_translations()
        kept = _kept_translations(context)
        if kept is None:
            kept = super().get_translations()
            context.isp_translations = (get_locale(), kept)
        return kept


def _kept_translations(context):
    """The translations kept for the request's current locale, None before they are."""
    locale = getattr(context, "babel_locale", None)
    kept = getattr(context, "isp_translations", None)
    return kept[1] if locale is not None and kept is not None and kept[0] is locale else None


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _RequestDomain(domain=self.domain)


def translations():
    """The request's translations (gettext's ``Translations``), kept for the request; none
    (the source text) outside an application, as Flask-Babel's ``gettext``."""
    context = _babel_context()  # once: every message of a page asks (issue 23.3)
    if context is not None:
        kept = _kept_translations(context)
        if kept is not None:
            return kept
    elif not has_app_context():
        return _NO_TRANSLATIONS
    return babel.domain_instance.get_translations()


_NO_TRANSLATIONS = NullTranslations()


def _as_template_text(context: Context, text: str, variables: dict) -> str:
    # As Jinja's "newstyle" gettext: escaped variables in a Markup message, and always a
    # format string (``%%`` reads ``%``) so that messages read the same with or without them.
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if not variables and "%" not in text:
        return text  # what ``%`` would give, without its escaping helper (most messages)
    return text % variables


# The parameters are positional-only, as Jinja's own: a message's variables may be called
# ``num`` or ``message`` (``ngettext("%(num)s résultat", ..., n, num=n|number)``).
@pass_context
def _template_gettext(context: Context, message: str, /, **variables) -> str:
    return _as_template_text(context, translations().ugettext(message), variables)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, /,
                       **variables) -> str:
    variables.setdefault("num", num)
    return _as_template_text(context, translations().ungettext(singular, plural, num),
                             variables)


@pass_context
def _template_pgettext(context: Context, message_context: str, message: str, /,
                       **variables) -> str:
    return _as_template_text(context, translations().upgettext(message_context, message),
                             variables)


@pass_context
def _template_npgettext(context: Context, message_context: str, singular: str, plural: str,
                        num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _as_template_text(
        context, translations().unpgettext(message_context, singular, plural, num), variables)


def install_template_gettext(environment: Environment) -> None:
    """Templates' ``_()``, ``gettext()``, ``ngettext()``... straight to the request's translations.

    What Flask-Babel installs goes through Jinja's alias, Jinja's wrapper, then Flask-Babel's
    lookup of the domain: three calls through the template context and ~7 µs a message,
    against ~3.8 µs here (measured together); a page shows 100-200 messages (issue 23.3).
    Same results: the same translations, the same escaping and formatting as Jinja's
    "newstyle" gettext.
    """
    environment.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
        pgettext=_template_pgettext, npgettext=_template_npgettext)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = _Babel()
login_manager = LoginManager()
