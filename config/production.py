"""Production settings: refuse to start without secrets and a database."""

import os

from config.default import DefaultConfig


class ProductionConfig(DefaultConfig):
    """Settings for a production deployment (gunicorn + PostgreSQL)."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    SEPA_DEMO_CREDITOR_ALLOWED = False

    @classmethod
    def check(cls) -> None:
        """Raise when a required secret is missing from the environment."""
        missing = [
            name
            for name in ("DATABASE_URL", "ISP_SECRET_KEY", "ISP_CREDENTIALS_KEY")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError("Production configuration needs: " + ", ".join(missing))
