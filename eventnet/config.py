"""Configuration read from the environment, with safe defaults for development only."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

ENVIRONMENTS = ("development", "testing", "production")
SECRET_KEY_MIN = 32


class ConfigError(RuntimeError):
    """The environment does not describe a deployment we are willing to start."""


def _normalise_database_url(url: str) -> str:
    # Procfile platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _positive_seconds(env, name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else float(default)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds")
    return value


def _whole_number(env, name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


# How the app waits for PostgreSQL. A database that stops answering must cost a request a few
# seconds and a 503 (eventnet.database_errors), never a thread held for minutes: every gunicorn
# thread stuck on the database is a thread that cannot serve anyone, static files included.
#
# TCP keepalives find a connection whose other end vanished while it sat idle in the pool (a
# rebooted database host, a NAT or firewall that dropped the flow), so the next checkout's ping
# fails at once instead of waiting: probes after 10 s idle, every 5 s, given up after 3 unanswered,
# so a dead idle connection is known within 25 s. A probe is one empty packet per idle connection
# every few seconds: nothing next to the queries.
KEEPALIVES_IDLE_SECONDS = 10
KEEPALIVES_INTERVAL_SECONDS = 5
KEEPALIVES_COUNT = 3
# The server stops a statement at DATABASE_STATEMENT_TIMEOUT and its error travels back in well
# under this; past the statement timeout plus this grace the server itself is not answering, and
# the app gives up on the connection (eventnet.database_health's AnsweringConnection). The same
# figure bounds TCP retransmissions of bytes the server never acknowledges (tcp_user_timeout):
# without it Linux retries for about 15 minutes in a network partition.
ANSWER_GRACE_SECONDS = 2.0


def answer_seconds(config: Mapping) -> float:
    """The longest the app waits for any answer on a PostgreSQL connection, in seconds."""
    return config["DATABASE_STATEMENT_TIMEOUT"] + ANSWER_GRACE_SECONDS


def engine_options(config: Mapping) -> dict:
    """SQLAlchemy engine options for the configured database URL and DATABASE_* timeouts."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    statement = config["DATABASE_STATEMENT_TIMEOUT"]
    # All of a process's pooled connections busy: a request waits this long for one, then
    # answers 503. A request holds its connection for a few short statements, so waiting longer
    # only holds a thread for a connection that is not coming.
    pool_timeout = config["DATABASE_POOL_TIMEOUT"]
    if url.startswith("sqlite"):
        # SQLite has no network to lose: a statement waits only for another writer's lock, for
        # at most the statement timeout (its busy timeout), and then fails with "database is
        # locked", which answers 503. Python's sqlite3 sets the busy handler before anything
        # runs on the connection, the WAL pragma in eventnet.database included.
        options = {"connect_args": {"timeout": statement}}
        if make_url(url).database not in (None, "", ":memory:"):
            # An in-memory database has one connection (a StaticPool), which has no timeout.
            options["pool_timeout"] = pool_timeout
        return options
    options = f"-c statement_timeout={round(statement * 1000)}"
    # Options the URL gives (?options=-c%20search_path%3D...) are kept: connect_args would
    # replace them.
    given = make_url(url).query.get("options")
    if isinstance(given, str) and given.strip():
        options = f"{given} {options}"
    return {
        # A connection the database dropped while idle (a restart, a failover) is found by a
        # round trip at checkout and replaced, instead of failing the request that draws it.
        "pool_pre_ping": True,
        "pool_timeout": pool_timeout,
        "connect_args": {
            # libpq takes whole seconds; it counts each address of a host name separately.
            "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"],
            # Set by the server on every connection it opens for us: no statement of a request,
            # the worker or a command runs longer (migrations lift it: migrations/env.py).
            "options": options,
            "keepalives": 1,
            "keepalives_idle": KEEPALIVES_IDLE_SECONDS,
            "keepalives_interval": KEEPALIVES_INTERVAL_SECONDS,
            "keepalives_count": KEEPALIVES_COUNT,
            "tcp_user_timeout": round(answer_seconds(config) * 1000),
        },
    }


def _mailbox_key(env) -> str:
    # The development mailbox's secret for requests from other machines (a phone on the LAN):
    # a fresh one each start unless set; scripts/run.sh sets one and prints the mailbox URL.
    key = env.get("MAILBOX_KEY", "").strip() or secrets.token_urlsafe(24)
    if len(key) < 16:
        raise ConfigError("MAILBOX_KEY is too short: use at least 16 random characters, or leave it unset")
    return key


def load_config(instance_path: str, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables; no I/O beyond reading them."""
    env = os.environ if environ is None else environ
    mode = env.get("EVENTNET_ENV", "production").strip().lower()
    if mode not in ENVIRONMENTS:
        raise ConfigError(f"EVENTNET_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")

    secret = env.get("SECRET_KEY", "")
    if not secret:
        if mode == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Refusing to start in production without one: "
                "generate it with  python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        # A per-process random key: sessions do not survive a restart, which is fine locally.
        secret = os.urandom(32).hex()
    elif mode == "production" and len(secret) < SECRET_KEY_MIN:
        raise ConfigError(
            f"SECRET_KEY is too short ({len(secret)} characters): use at least {SECRET_KEY_MIN} random characters, "
            "e.g.  python -c 'import secrets; print(secrets.token_hex(32))'"
        )

    default_db = "sqlite:///" + str(Path(instance_path) / "eventnet.sqlite3")
    database_url = _normalise_database_url(env.get("DATABASE_URL") or default_db)

    base_url = (env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"BASE_URL must be an absolute http(s) origin, not {base_url!r}")

    smtp_url = env.get("SMTP_URL", "").strip()
    if mode == "production" and not smtp_url:
        raise ConfigError("SMTP_URL is not set: production needs a mail server to send login links")

    config = {
        "EVENTNET_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # How long the app waits for the database (engine_options above turns them into the
        # engine's settings). A connection to a reachable server takes milliseconds, a few round
        # trips over TLS to another region well under a second: 3 s is plenty, and libpq's
        # minimum is 2.
        "DATABASE_CONNECT_TIMEOUT": _whole_number(env, "DATABASE_CONNECT_TIMEOUT", 3, minimum=2),
        # The longest any one statement may run (PostgreSQL's statement_timeout; on SQLite, how
        # long a write waits for another writer's lock). A scan must never wait more than a few
        # seconds: a phone whose scan fails keeps it and sends it again. The longest queries
        # of the app, the organizer's dashboard and exports, read one event's rows by indexed
        # columns and take milliseconds even for thousands of attendees, so one limit serves
        # them all; past it something is wrong (a lock held, a missing index) and waiting longer
        # would only tie up a thread.
        "DATABASE_STATEMENT_TIMEOUT": _positive_seconds(env, "DATABASE_STATEMENT_TIMEOUT", 5),
        # Whole seconds: Flask-SQLAlchemy builds the engine with engine_from_config, which reads
        # pool_timeout as an integer (0.5 would be no wait at all).
        "DATABASE_POOL_TIMEOUT": _whole_number(env, "DATABASE_POOL_TIMEOUT", 5, minimum=1),
        "BASE_URL": base_url,
        "PREFERRED_URL_SCHEME": parts.scheme,
        "SESSION_COOKIE_SECURE": parts.scheme == "https",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "eventnet_session",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        # The session is set at login and lasts the event; re-signing the cookie on every
        # response would cost each scan a signature and a Set-Cookie header for nothing.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SMTP_URL": smtp_url,
        # PEM file of the CA(s) that signed the SMTP server's certificate, for a relay with a
        # private CA; it replaces the system's CAs for SMTP. Verification itself is never off.
        "SMTP_CA_FILE": env.get("SMTP_CA_FILE", "").strip(),
        "MAIL_FROM": env.get("MAIL_FROM") or f"eventnet <no-reply@{parts.hostname}>",
        # Without SMTP the sender writes to a Maildir the app shows in the browser, to this
        # machine or to whoever has MAILBOX_KEY; it never exists in production.
        "MAILBOX_ENABLED": not smtp_url and mode != "production",
        "MAILBOX_PATH": env.get("MAILBOX_PATH") or str(Path(instance_path) / "mailbox"),
        "MAILBOX_KEY": _mailbox_key(env),
        "REDIS_URL": env.get("REDIS_URL", "").strip(),
        # Keeps the rate-limit counters of several deployments that share one Redis apart.
        "RATELIMIT_KEY_PREFIX": env.get("REDIS_KEY_PREFIX", "").strip() or "eventnet",
        # How many reverse proxies stand in front of the app and set X-Forwarded-For and
        # X-Forwarded-Proto (Werkzeug's ProxyFix): 1 for nginx in front of gunicorn. With 0 those
        # headers are ignored, as anyone can send them.
        "TRUSTED_PROXIES": _whole_number(env, "TRUSTED_PROXIES", 0),
        # Strict-Transport-Security on HTTPS answers; 0 leaves the header out.
        "HSTS_SECONDS": _whole_number(env, "HSTS_SECONDS", 365 * 24 * 60 * 60),
        # Only for the start-up note on rate limits kept per process (eventnet.ratelimit).
        "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "").strip(),
        # How long a sender may hold a claimed email before another takes it over, and the
        # first retry delay after a temporary failure (doubling after that).
        "MAIL_LEASE_SECONDS": _positive_seconds(env, "MAIL_LEASE_SECONDS", 600),
        "MAIL_BACKOFF_SECONDS": _positive_seconds(env, "MAIL_BACKOFF_SECONDS", 60),
        # How long the sender waits for the mail relay at each step (connect, each answer): a
        # stalled relay costs this once, and a stopping worker waits at most this for its email.
        "MAIL_SMTP_TIMEOUT_SECONDS": _positive_seconds(env, "MAIL_SMTP_TIMEOUT_SECONDS", 30),
        # Mass emails from the console (login emails, "start the digest now") wait this long after
        # the organizer confirms, so that a wrong click can be cancelled before anything leaves.
        "MASS_MAIL_HOLD_SECONDS": _whole_number(env, "MASS_MAIL_HOLD_SECONDS", 60),
        "LOGIN_TOKEN_MINUTES": int(env.get("LOGIN_TOKEN_MINUTES", "15")),
        # Scans one attendee may send a minute (the scan API and the exchange button together).
        # Nobody meets five people a second; a phone syncing a long offline queue is answered
        # 429 past this and retries, so the limit slows a flood without losing a scan.
        "SCANS_PER_MINUTE": _whole_number(env, "SCANS_PER_MINUTE", 300, minimum=1),
        # Twice the size of the largest form we take (a profile), far below anything abusive.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        # On HTTPS, Flask-WTF also wants a same-origin Referer on every form POST: so no page of
        # ours may send Referrer-Policy: no-referrer (security.py sends same-origin everywhere).
        "WTF_CSRF_SSL_STRICT": True,
    }
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
    return config
