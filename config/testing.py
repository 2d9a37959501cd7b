"""Test settings: TEST_DATABASE_URL, else a throw-away SQLite file."""

import os
import tempfile

from config.default import DefaultConfig


class TestingConfig(DefaultConfig):
    """Settings for pytest."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + os.path.join(
        tempfile.gettempdir(), f"social_isp_test_{os.getpid()}.sqlite")
    # CSRF itself is tested with a dedicated app (tests/isp/test_security.py)
    WTF_CSRF_ENABLED = False
    SCHEDULER_ENABLED = False
    #: Hundreds of tests create a user: the cheapest argon2 cost (production's is tested once).
    PASSWORD_HASH_PROFILE = "CHEAPEST"
