"""social-isp: the operations back-office of a social internet service provider."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import environment_overrides
from isp import (
    history,  # noqa: F401  (the record_changes table and its flush listeners)
    models,  # noqa: F401  (the core's tables, before any domain's)
    registry,
)
from isp.api import bp as core_api_bp
from isp.auth import init_auth
from isp.database import init_database
from isp.errors import register_error_handlers
from isp.extensions import babel, csrf, db, install_template_gettext, login_manager, migrate
from isp.formatting import init_formatting
from isp.pages import bp as public_pages_bp
from isp.pages_admin import bp as admin_pages_bp
from isp.registry import DOMAINS  # noqa: F401  (re-exported: the list of domain packages)
from isp.requester import authenticated_user
from isp.static_assets import init_static_assets
from isp.urls import init_urls
from isp.validation import register_input_guards
from isp.views import bp as core_bp

#: The locale that formats dates, times and numbers for a language of the interface.
FORMAT_LOCALES = {"en": "en_GB"}

CONFIGS = {
    "default": "config.default.DefaultConfig",
    "testing": "config.testing.TestingConfig",
    "production": "config.production.ProductionConfig",
}


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` up to PostgreSQL INTEGER: a larger number is a 404, not a DB error.

    The bound is in the pattern too: a value refused only by ``to_python`` would let Werkzeug
    answer 405 where another rule of the same path serves other methods (GET beside POST).
    """

    regex = (r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
             r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
             r"|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config_object: str = "default", **overrides) -> Flask:
    """Build the application: config, extensions, blueprints, CLI, error handlers, headers."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter
    _load_config(app, config_object, overrides)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_error_handlers(app)
    _register_security_headers(app)
    init_static_assets(app)  # fingerprinted, gzipped, long-cached /static/ (issue 10)
    return app


def _load_config(app: Flask, config_object: str, overrides: dict) -> None:
    path = CONFIGS.get(config_object, config_object)
    app.config.from_object(path)
    # Environment wins over the classes (docs/design.md §4.2), read in config/ only.
    app.config.update(environment_overrides(config_object))
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    config_class = _import_object(path)
    if hasattr(config_class, "check"):
        config_class.check()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def normalise_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver we install), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _import_object(dotted: str):
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    def _select_locale() -> str:
        if not has_request_context():  # jobs, signal receivers: French, the default
            return app.config["BABEL_DEFAULT_LOCALE"]
        user = authenticated_user()  # the session's user, or the API token's
        if user is not None and user.locale:
            language = user.locale
        else:
            language = session.get("lang") or request.accept_languages.best_match(
                app.config["LANGUAGES"]) or "fr"
        # English as written in Europe: 28/11/2026 and 24-hour times, not the US 11/28/26
        # (the "en" catalogue still serves the messages).
        return FORMAT_LOCALES.get(language, language)

    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=";".join(translation_directories()))
    install_template_gettext(app.jinja_env)
    init_auth(app)
    init_formatting(app)
    init_urls(app)


def translation_directories() -> list[str]:
    """The core's catalogue, then each domain's own (``<domain>/translations``), merged.

    A domain that keeps its messages beside its code can be translated without editing the
    core's catalogue (scripts/translations.sh extracts each from its own sources).
    """
    root = _project_root()
    own = [root / domain / "translations" for domain in DOMAINS]
    return [str(root / "isp" / "translations")] + [str(path) for path in own if path.is_dir()]


def _project_root():
    return Path(__file__).resolve().parent.parent


def _register_blueprints(app: Flask) -> None:
    """The core's pages and API, then what each domain declares (``isp.registry``)."""
    for blueprint in (core_bp, public_pages_bp, admin_pages_bp):
        _register_once(app, blueprint)
    _register_once(app, core_api_bp)
    csrf.exempt(core_api_bp)
    for domain in DOMAINS:
        registry.check_declarations(domain)
        for role in ("models", "imports", "handlers"):
            registry.modules(domain, role)  # imported for their definitions and registrations
        for module in registry.modules(domain, "pages"):
            _register_once(app, module.bp)
        for module in registry.modules(domain, "api"):
            _register_once(app, module.bp)
            # Bearer tokens are not sent by browsers on their own: no CSRF needed.
            csrf.exempt(module.bp)


def _register_once(app: Flask, blueprint) -> None:
    """Register ``blueprint``; a second one of the same name is a mistake, not a no-op."""
    if blueprint.name in app.blueprints:
        raise RuntimeError(f"two blueprints are named {blueprint.name!r}: "
                           f"{app.blueprints[blueprint.name].import_name} and "
                           f"{blueprint.import_name}")
    app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    """Expose the ``isp`` commands on ``app.cli`` too (``flask`` and the test CLI runner)."""
    # isp.cli registers every domain's commands when imported: an app being built loads them,
    # not each import of the isp package.
    from isp.cli import cli as isp_cli  # noqa: PLC0415

    for name, command in isp_cli.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)


def _register_error_handlers(app: Flask) -> None:
    register_error_handlers(app)


def _register_security_headers(app: Flask) -> None:
    proxy_hops = int(app.config.get("PROXY_HOPS") or 0)
    if proxy_hops:
        # Behind nginx the client's address is in X-Forwarded-For: without this, every client
        # would share the proxy's address (throttling, audit). Trust only the proxies we run.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops,
                                x_host=proxy_hops)
    csp = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

    register_input_guards(app)  # NUL and lone surrogates: 400 naming the field, not a 500

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if app.config.get("HSTS"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response


def precompile_templates(app: Flask) -> int:
    """Compile every HTML template now (~0.5 s) rather than in the first request to each page;
    returns how many (servers only: commands and tests do not need it)."""
    names = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def load_all_models() -> None:
    """Import every domain's models so that the metadata is complete (migrations, tests)."""
    for domain in DOMAINS:
        registry.modules(domain, "models")
