"""Production settings: refuse to start without strong secrets and a database."""

import os

from cryptography.fernet import Fernet

from config.default import DefaultConfig

#: Shortest accepted ISP_SECRET_KEY (it signs session cookies): 32 characters, e.g. 24 random
#: bytes in base64; ``secrets.token_urlsafe(48)`` gives 64.
SECRET_KEY_MIN_LENGTH = 32
#: A key of 32 characters drawn from few distinct ones ("xxxx…", "abab…") is a placeholder.
SECRET_KEY_MIN_DISTINCT = 12
_GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
_GENERATE_FERNET = ('python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"')


def secret_key_problem(value: str) -> str | None:
    """Why ``value`` is no acceptable ISP_SECRET_KEY, or None."""
    if value in {"dev-only-not-secret", "testing-secret"}:
        return "ISP_SECRET_KEY is the development key"
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return (f"ISP_SECRET_KEY is {len(value)} characters long, at least "
                f"{SECRET_KEY_MIN_LENGTH} are needed")
    if len(set(value)) < SECRET_KEY_MIN_DISTINCT:
        return "ISP_SECRET_KEY is not random (too few distinct characters)"
    return None


def credentials_key_problem(value: str) -> str | None:
    """Why ``value`` is no acceptable ISP_CREDENTIALS_KEY (a Fernet key), or None."""
    if value == "m3yJ8A9c3o7wMMZk2r3Wq3n1n1YgW0xR9lUu2m9cZ0E=":
        return "ISP_CREDENTIALS_KEY is the development key"
    try:
        Fernet(value)
    except (ValueError, TypeError):
        return "ISP_CREDENTIALS_KEY is not a Fernet key (32 bytes in url-safe base64)"
    return None


class ProductionConfig(DefaultConfig):
    """Settings for a production deployment (gunicorn + PostgreSQL)."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    SEPA_DEMO_CREDITOR_ALLOWED = False

    @classmethod
    def check(cls) -> None:
        """Raise, with what to do, when a required setting is missing, weak or malformed."""
        missing = [
            name
            for name in ("DATABASE_URL", "ISP_SECRET_KEY", "ISP_CREDENTIALS_KEY")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError("Production configuration needs: " + ", ".join(missing))
        problems = []
        secret_problem = secret_key_problem(os.environ["ISP_SECRET_KEY"])
        if secret_problem:
            problems.append(f"{secret_problem}; generate one with {_GENERATE_SECRET}")
        credentials_problem = credentials_key_problem(os.environ["ISP_CREDENTIALS_KEY"])
        if credentials_problem:
            problems.append(f"{credentials_problem}; generate one with {_GENERATE_FERNET}")
        if problems:
            raise RuntimeError("Production configuration refused: " + "; ".join(problems))
