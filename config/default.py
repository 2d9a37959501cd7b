"""Default settings. Environment variables prefixed ``ISP_`` and ``DATABASE_URL`` override them."""

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

#: SEPA creditor fields and the environment variables that set them.
_SEPA_CREDITOR_ENV = {"name": "ISP_SEPA_CREDITOR_NAME", "IBAN": "ISP_SEPA_CREDITOR_IBAN",
                      "BIC": "ISP_SEPA_CREDITOR_BIC", "creditor_id": "ISP_SEPA_CREDITOR_ID"}


class DefaultConfig:
    """Settings for a developer's machine and the demo (`make run`)."""

    SECRET_KEY = os.environ.get("ISP_SECRET_KEY", "dev-only-not-secret")
    #: Fernet key encrypting device credentials at rest (dev key: never use in production).
    CREDENTIALS_KEY = os.environ.get(
        "ISP_CREDENTIALS_KEY", "m3yJ8A9c3o7wMMZk2r3Wq3n1n1YgW0xR9lUu2m9cZ0E="
    )
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'social_isp.sqlite'}"
    )
    #: A pooled connection is checked with a ping before use when it has been idle longer than
    #: this (isp/database.py); SQLAlchemy's pool_pre_ping would ping before every request.
    DATABASE_PING_AFTER_IDLE_SECONDS = 0.5
    #: GET requests run without a transaction on PostgreSQL (isp/database.py).
    DATABASE_AUTOCOMMIT_READS = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; sessions expire anyway
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")
    #: argon2 cost of password hashes: a name from ``argon2.profiles`` (RFC 9106 low-memory:
    #: 3 passes over 64 MiB, 4 lanes). Hashes of another cost are upgraded at the next login.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    #: Minutes of inactivity before a session expires.
    SESSION_IDLE_MINUTES = 30
    #: A resident's session on a shared phone is shorter than the staff's: it ends after this
    #: many minutes without use, and this many after the sign-in whatever the use.
    RESIDENT_SESSION_IDLE_MINUTES = int(os.environ.get("ISP_RESIDENT_SESSION_IDLE_MINUTES", "15"))
    RESIDENT_SESSION_MAX_MINUTES = int(os.environ.get("ISP_RESIDENT_SESSION_MAX_MINUTES", "120"))
    PERMANENT_SESSION_LIFETIME = 30 * 60
    #: The cookie is sent again when it changes (its last-seen stamp, once a minute at most:
    #: isp/auth.py), not on every response; its 30 minutes run from that stamp.
    SESSION_REFRESH_EACH_REQUEST = False
    #: Failed logins and API tokens slow the client down (isp.throttle); the counters live in
    #: the database, shared by every process.
    THROTTLE_ENABLED = True
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    #: (Werkzeug ProxyFix): 1 behind one nginx. 0 (default) when clients connect directly;
    #: never more than the proxies you run, or clients could choose their address.
    PROXY_HOPS = int(os.environ.get("ISP_PROXY_HOPS", "0"))
    SMTP_URL = os.environ.get("ISP_SMTP_URL")
    #: The social ISP as SEPA creditor (name, IBAN, BIC, creditor_id), from the environment.
    SEPA_CREDITOR = {field: os.environ[name] for field, name in _SEPA_CREDITOR_ENV.items()
                     if os.environ.get(name)}
    #: Without a configured creditor, direct-debit files carry the fictitious demo creditor;
    #: production refuses to write them instead.
    SEPA_DEMO_CREDITOR_ALLOWED = True
    MAIL_FROM = "noreply@social-isp.example"
    #: Residents' SMS (residents/sms.py): "simulator" logs them (the lab, the tests); "http"
    #: posts them to the provider's gateway at ISP_SMS_URL with ISP_SMS_TOKEN, as ISP_SMS_SENDER.
    SMS_URL = os.environ.get("ISP_SMS_URL")
    SMS_TOKEN = os.environ.get("ISP_SMS_TOKEN")
    SMS_SENDER = os.environ.get("ISP_SMS_SENDER", "SocialISP")
    SMS_BACKEND = os.environ.get("ISP_SMS_BACKEND", "http" if os.environ.get("ISP_SMS_URL")
                                 else "simulator")
    #: Largest request body in bytes (answered 413 beyond): a CSV import of 100,000 flats fits.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    PER_PAGE = 50
    #: Lists count their rows exactly up to this many, and say "more than" beyond
    #: (isp/pagination.py): an exact total over 100,000 households cost more than the page.
    LIST_EXACT_COUNT_LIMIT = int(os.environ.get("ISP_LIST_EXACT_COUNT_LIMIT", "1000"))
    API_MAX_PER_PAGE = 500
    #: Monthly partitions of usage_hours created ahead of the current month by the nightly
    #: job network.usage_store (PostgreSQL only; rows no partition covers go to a default one).
    USAGE_PARTITIONS_AHEAD = 2
    #: Minutes between SNMP poll cycles.
    POLL_INTERVAL_MINUTES = 5
    #: Ports (names, descriptions, speeds) are read again once per this many hours, and after
    #: a reboot; the polls in between read status and counters only (network.snmp).
    POLL_DISCOVERY_HOURS = 6
    #: UDP port of the lab's simulated switches (snmpsim) and first TCP port of its SSH switches.
    LAB_SNMP_PORT = 16100
    LAB_SSH_PORT_BASE = 2201
    #: Switches the provisioning queue configures at once (network.provisioning.queue): one
    #: thread and one SSH session per switch, all of its due ports in that session and one save,
    #: never two sessions to one switch. The threads mostly wait on the switches; 16 provisions
    #: a district of 40 switches in about three rounds (docs/provisioning.md §7).
    PROVISIONING_WORKERS = 16
    #: Access VLAN of the flats' ports; an option's VLAN must differ from it (billing.options).
    PROVISIONING_ACCESS_VLAN = 100
    #: netmiko's timeouts in seconds: TCP connect, SSH banner, each command's output
    #: (docs/provisioning.md: the lab answers in well under these; real switches on a loaded
    #: network may not).
    PROVISIONING_CONN_TIMEOUT = 10
    PROVISIONING_BANNER_TIMEOUT = 15
    PROVISIONING_READ_TIMEOUT = 20
    #: A queued provisioning job starts at once in the web process that queued it (issue 18.4);
    #: None: yes, except in tests (they run the queue themselves).
    PROVISIONING_RUN_AT_ONCE = None
    #: Seconds a poll worker's claim on a batch of switches lasts without renewal (renewed every
    #: third of it while it polls): a dead worker's switches are taken over after this.
    POLL_LEASE_SECONDS = 120
    #: Seconds between the scheduler's ticks of the poll cycle (each tick polls the devices whose
    #: turn has come, within POLL_INTERVAL_MINUTES).
    POLL_TICK_SECONDS = 30
    #: SNMP timeout (seconds) and retries per request (docs/snmp.md §7: 2 s and 1 retry hold on
    #: the lab and on snmpd under load; more only delays the detection of a dead switch).
    SNMP_TIMEOUT_S = 2.0
    SNMP_RETRIES = 1
    #: A scheduled job is leased by one process for this long at most (isp.scheduler): a process
    #: that dies mid-job frees it after this delay.
    SCHEDULER_LEASE_MINUTES = 10
    #: Support SLAs: hours per ticket category and the share kept per priority; None = the
    #: defaults of support.choices (DEFAULT_SLA_HOURS, DEFAULT_PRIORITY_FACTORS).
    SUPPORT_SLA_HOURS = None
    SUPPORT_SLA_PRIORITY_FACTORS = None
    #: Where EMISSION_FACTOR_KG_PER_KWH comes from, shown beside the footprint figures.
    EMISSION_FACTOR_SOURCE = "ADEME Base Empreinte, mix électrique français 2022"
    EMISSION_FACTOR_YEAR = 2022
    SCHEDULER_ENABLED = False
    HSTS = False
    #: Full monthly cost of the service shown on invoices (cents TTC).
    SERVICE_FULL_COST_CENTS = 2500
    VAT_RATE_PERCENT = 20
    #: kgCO2e per kWh of French electricity (ADEME Base Empreinte, 2022 mix).
    EMISSION_FACTOR_KG_PER_KWH = 0.0520
    #: The application's own hosting in the footprint (docs/equipment.md): server watts × PUE.
    HOSTING_SERVER_WATTS = 40.0
    HOSTING_PUE = 1.5
    #: Retention rules applied by the daily purge (docs/design.md §3.8); audit_days None = keep.
    #: usage_hour_days: days of hourly port detail (whole Europe/Paris days); older days are
    #: read from the daily roll-ups (network.usage_store, docs/usage-store.md).
    RETENTION = {"usage_hour_days": 90, "identity_years_after_end": 3, "audit_days": 365,
                 # a subscription's daily usage, after its end (then per building only)
                 "usage_day_days_after_end": 30,
                 "ticket_years_after_close": 3, "billing_years": 10}
    DEMO_PASSWORDS = {
        "admin@demo.social-isp.fr": "Demo-admin-2026!",
        "operateur@demo.social-isp.fr": "Demo-operateur-2026!",
        "mediateur@demo.social-isp.fr": "Demo-mediateur-2026!",
        "analyste@demo.social-isp.fr": "Demo-analyste-2026!",
    }
