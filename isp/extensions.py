"""Flask extensions, built without an app (bound in ``create_app``)."""

from functools import cached_property

from flask import g
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
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


class _RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the request's translations for the request.

    Flask-Babel looks them up again for every string (context, locale, cache key: ~8 µs);
    a list page translates a few hundred strings (labels of each row, navigation). The
    locale is part of the key, so ``force_locale`` and ``refresh`` still switch language.
    """

    def get_translations(self):
        try:
            context = g._flask_babel  # Flask-Babel's per-request namespace
        except (AttributeError, RuntimeError):  # not created yet, or no request
            return super().get_translations()
        locale = getattr(context, "babel_locale", None)
        cached = getattr(context, "isp_translations", None)
        if locale is not None and cached is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        context.isp_translations = (get_locale(), translations)
        return translations


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _RequestDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = _Babel()
login_manager = LoginManager()
