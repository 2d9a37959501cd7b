"""Configuration classes (default, testing, production) and the one place that reads the
environment for them: ``config/default.py`` at class definition and ``environment_overrides``
when an application is built (a variable set after the import still counts)."""

from __future__ import annotations

import os

#: Environment variables that override a setting of every configuration but ``testing``.
ENVIRONMENT_SETTINGS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
                        "ISP_SECRET_KEY": "SECRET_KEY",
                        "ISP_CREDENTIALS_KEY": "CREDENTIALS_KEY",
                        "ISP_SMTP_URL": "SMTP_URL"}


def config_name() -> str:
    """The configuration ``isp`` and the WSGI entry point build: ``ISP_CONFIG`` (a name of
    ``isp.CONFIGS`` or a dotted class path), ``default`` when unset."""
    return os.environ.get("ISP_CONFIG", "default")


def environment_overrides(config_object: str) -> dict[str, str]:
    """The settings the environment sets now (the tests' configuration keeps its own
    database whatever ``DATABASE_URL`` says)."""
    return {key: os.environ[name] for name, key in ENVIRONMENT_SETTINGS.items()
            if os.environ.get(name)
            and not (key == "SQLALCHEMY_DATABASE_URI" and config_object == "testing")}
