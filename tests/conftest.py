"""Fixtures: a fresh app and real database per test, factories, a real SMTP server, a browser.

The database is SQLite (a file per test) unless TEST_DATABASE_URL names a PostgreSQL database,
in which case the schema is migrated once per run and every table is emptied before each test.
"""
from __future__ import annotations

import contextvars
import os
import shutil
import socket
import threading
from datetime import datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest

# The app reads its configuration from the environment; tests never inherit a developer's.
for _name in ("DATABASE_URL", "SMTP_URL", "SMTP_CA_FILE", "REDIS_URL", "BASE_URL", "MAIL_FROM"):
    os.environ.pop(_name, None)
os.environ["EVENTNET_ENV"] = "testing"
os.environ["SECRET_KEY"] = "test-secret-key-not-for-production"

from flask.testing import FlaskClient, FlaskCliRunner  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from eventnet import create_app  # noqa: E402
from eventnet.extensions import db  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BASE_URL = "http://eventnet.test"


def _worker_database(url: str, worker: str) -> str:
    """The PostgreSQL database of one pytest-xdist worker (`url`'s name + "_gw0"), made if missing.

    Every test empties the tables, so two workers cannot share one; scripts/pg_testdb.py drops
    these with the run's database.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Test modules import this module again (`from conftest import …`): the URL is the worker's already.
if TEST_DATABASE_URL and _WORKER and not TEST_DATABASE_URL.endswith(f"_{_WORKER}"):
    TEST_DATABASE_URL = os.environ["TEST_DATABASE_URL"] = _worker_database(TEST_DATABASE_URL, _WORKER)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(database_url: str, tmp: Path, **extra) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": BASE_URL,
        "MAILBOX_PATH": str(tmp / "mailbox"),
        "MAILBOX_ENABLED": True,
        # Exact counting, so that a test's "the third request is refused" holds whenever it runs:
        # the in-memory sliding-window counter (limits 5.8) starts its windows on the clock and
        # rounds the last one's weight down, so one more request gets through just after a
        # boundary. Production's counter is tested where it counts, in Redis (test_ratelimit.py,
        # test_deployed.py), whose windows start at a key's first hit.
        "RATELIMIT_STRATEGY": "moving-window",
        **extra,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database at the latest migration: a template SQLite file, or the PostgreSQL one."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1) if TEST_DATABASE_URL.startswith("postgresql://") else TEST_DATABASE_URL
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.sqlite3")
    app = create_app(_config(url, tmp_path_factory.mktemp("migrate")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    Tests keep an app context open for their factories; Flask would reuse it for requests, so
    `g`, the CSRF token and the database session would leak from one request into the next and
    into the test itself. A fresh contextvars.Context gives each request what a server gives it.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """The CLI runner, likewise in a context of its own, as a shell invocation would be."""

    def invoke(self, *args, **kwargs):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


def _empty_tables(app) -> None:
    """Empty every table and restart its ids, as a fresh SQLite copy would be.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's file work per table took
    about ten times as long (43 against 4 ms a test, measured on a 2-core machine).
    """
    with app.app_context():
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                              "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"))


@pytest.fixture
def app_factory(migrated_database, tmp_path):
    """Build apps on this test's fresh database, each with extra config (e.g. SMTP_URL)."""
    if TEST_DATABASE_URL:
        url = migrated_database
    else:
        path = tmp_path / "eventnet.sqlite3"
        shutil.copyfile(migrated_database.removeprefix("sqlite:///"), path)
        url = "sqlite:///" + str(path)
    built = []

    def build(**extra):
        app = create_app(_config(url, tmp_path, **extra))
        app.test_client_class = IsolatedClient
        app.test_cli_runner_class = IsolatedCliRunner
        if TEST_DATABASE_URL and not built:
            _empty_tables(app)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_serial = count(1)


@pytest.fixture
def make_event(app):
    """Create an event; it runs now (open for scanning) unless told otherwise."""
    from eventnet.events.services import create_event

    def make(slug: str | None = None, **kw):
        n = next(_serial)
        now = datetime.now(timezone.utc)
        return create_event(
            slug=slug or f"event-{n}",
            name=kw.pop("name", f"Test Conference {n}"),
            starts=kw.pop("starts", now - timedelta(hours=2)),
            ends=kw.pop("ends", now + timedelta(hours=6)),
            timezone=kw.pop("timezone", "Europe/Berlin"),
            venue=kw.pop("venue", "Hall A"),
        )

    return make


@pytest.fixture
def make_attendee(app):
    """Create an attendee of an event, committed."""
    from eventnet.attendees.services import upsert_attendee

    def make(event, email: str | None = None, name: str | None = None, **kw):
        n = next(_serial)
        result = upsert_attendee(
            event,
            email or f"person{n}@example.org",
            name or f"Person {n}",
            company=kw.pop("company", f"Company {n}"),
            headline=kw.pop("headline", "Engineer"),
            role=kw.pop("role", "attendee"),
        )
        for key, value in kw.items():
            setattr(result.attendee, key, value)
        db.session.commit()
        return result.attendee

    return make


def start_session_for(attendee) -> str:
    """A server-side session for an attendee, as a magic-link login makes; returns its token.

    Written on a connection of its own, as another request's login would be, so the test's
    own session (and the objects it holds) is left as it was.
    """
    import secrets

    from flask import current_app

    from eventnet.auth.models import LoginSession
    from eventnet.auth.session import hash_session_token
    from eventnet.database import utcnow

    token = secrets.token_urlsafe(32)
    with db.engine.begin() as connection:
        connection.execute(LoginSession.__table__.insert().values(
            token_hash=hash_session_token(token), attendee_id=attendee.id, created_at=utcnow(),
            expires_at=utcnow() + current_app.permanent_session_lifetime))
    return token


@pytest.fixture
def login(app):
    """Log a test client in as an attendee, as the session after a magic-link login looks."""
    from eventnet.auth.session import SESSION_KEY

    def do(client, attendee):
        token = start_session_for(attendee)
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
            session.permanent = True
        return client

    return do


def csrf_token(client, url: str) -> str:
    """The CSRF token a page carries in its forms (read the way a browser would)."""
    import re

    html = client.get(url).get_data(as_text=True)
    # Our templates write name then value; Flask-WTF's form.csrf_token writes name, type, value.
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, f"no CSRF token in {url}"
    return match.group(1)


def statements_for(client, url: str) -> tuple[int, str]:
    """GET url (200 expected): (how many SQL statements it ran, its HTML)."""
    from sqlalchemy import event as sa_event

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # The test shares the app's session: start each request from nothing cached, as a real one does.
    db.session.expire_all()
    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    statements = [s for s in statements if not s.startswith("PRAGMA")]
    return len(statements), response.get_data(as_text=True)


# ----------------------------------------------------------------------------- SMTP

class SMTPRecorder:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.envelopes = []
        self.port = free_port()
        self.reject = None  # set to (code, text) to refuse messages
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            code, message = self.reject
            return f"{code} {message}"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self):
        import email
        from email import policy

        return [email.message_from_bytes(env.content, policy=policy.default) for env in self.envelopes]


@pytest.fixture
def smtp_server():
    server = SMTPRecorder()
    server.controller.start()
    yield server
    server.controller.stop()


# ----------------------------------------------------------------------------- browser

BROWSER_FIXTURES = {"playwright_instance", "browser", "phone", "camera"}


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium is a browser test, marked or not (they run once per CI run)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class LiveServer:
    """The app served on 127.0.0.1 from a thread, sharing the test's database."""

    def __init__(self, app, port: int):
        from werkzeug.serving import make_server

        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def live_server(app_factory, tmp_path):
    port = free_port()
    live = LiveServer(app_factory(BASE_URL=f"http://127.0.0.1:{port}"), port)
    live.thread.start()
    with live.app.app_context():
        yield live
    live.server.shutdown()
    live.thread.join(5)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    # Assertions wait as long as the pages' actions (10 s, not Playwright's 5): the suite runs in
    # one process per core, so a page may render while another test's browser holds the CPU.
    expect.set_options(timeout=10_000)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot to test-artifacts/screenshots/NAME.png, to look at after the run."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def guard_offsite(page):
    """Refuse and record every request that leaves 127.0.0.1 (a CDN fetch would show up here).

    Routed on the context with fallback(), so a test's own page.route (a failing server, say)
    still sees the requests first.
    """
    page.offsite_requests = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "https://127.0.0.1", "data:", "blob:")):
            route.fallback()
        else:
            page.offsite_requests.append(url)
            route.abort()

    page.context.route("**/*", guard)


PHONE_VIEWPORT = {"width": 360, "height": 740}


@pytest.fixture
def open_page(browser):
    """open_page(viewport=PHONE_VIEWPORT, *, javascript=True, bypass_csp=False, init_script=None):
    a fresh page in its own context, phone-like (touch, 2x) below 600 px wide, that refuses and
    records every request off 127.0.0.1; each page is checked for such requests at teardown.
    bypass_csp lets axe-core in; init_script runs in every document before the page's own."""
    contexts = []

    def open_page(viewport: dict = PHONE_VIEWPORT, *, javascript: bool = True, bypass_csp: bool = False,
                  init_script: str | None = None):
        phone = viewport["width"] < 600
        context = browser.new_context(viewport=viewport, device_scale_factor=2 if phone else 1, is_mobile=phone,
                                      has_touch=phone, java_script_enabled=javascript, bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if init_script:
            page.add_init_script(init_script)
        guard_offsite(page)
        return page

    yield open_page
    for context in contexts:
        pages = context.pages
        context.close()
        for page in pages:
            assert page.offsite_requests == [], f"the page tried to reach {page.offsite_requests}"


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser page that refuses (and records) every request off 127.0.0.1."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    guard_offsite(page)
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert page.offsite_requests == [], f"the page tried to reach {page.offsite_requests}"
