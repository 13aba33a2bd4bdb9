"""A PostgreSQL database that stops answering, with the app as it is deployed.

gunicorn (2 gthread workers, production settings) behind nginx with TLS, connected to
PostgreSQL through a TCP proxy of the test's own (tests/tcp_proxy.py) that is cut (connections
closed, new ones refused) or blackholed (connections accepted and held, nothing forwarded),
then restored. The machine's PostgreSQL server itself is never touched.

These tests need PostgreSQL whatever the run: on the PostgreSQL run's database
(TEST_DATABASE_URL), or, run with SQLite, on a database of their own, made and dropped as
scripts/pg_testdb.py does. scripts/test.sh runs them once, in its PostgreSQL run.
"""
from __future__ import annotations

import json
import logging
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPSConnection
from pathlib import Path

import pytest
from conftest import TEST_DATABASE_URL, IsolatedClient, _config, _empty_tables, start_session_for
from deployed import Deployment
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_migrate import upgrade
from sqlalchemy import exc as sa
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy

from eventnet import create_app
from eventnet.connections.models import Connection, Scan
from eventnet.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
OUTAGE = re.compile(r"database unreachable since \S+ \(process (\d+)\)")
BACK = re.compile(r"database back after [\d.]+ s \(process (\d+)\)")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def pg_testdb(*args: str) -> str:
    """scripts/pg_testdb.py, as scripts/test.sh runs it."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory):
    """The PostgreSQL database URL for the SQLite run (made, migrated, dropped); None in the PostgreSQL run."""
    if TEST_DATABASE_URL:
        yield None
        return
    if subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "ping", PG_ADMIN_URL]).returncode:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: these tests need it (set TEST_POSTGRES_URL)")
    url = pg_testdb("create", PG_ADMIN_URL).replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        app = create_app(_config(url, tmp_path_factory.mktemp("outage-migrate")))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url
    finally:
        pg_testdb("drop", PG_ADMIN_URL, url)


@pytest.fixture
def app(own_postgres, app_factory, tmp_path):
    """This module's app (and so its factories) on PostgreSQL in both runs."""
    if own_postgres is None:
        app = app_factory()
    else:
        app = create_app(_config(own_postgres, tmp_path))
        app.test_client_class = IsolatedClient
        _empty_tables(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug=f"conf-{os.urandom(3).hex()}")
    alice = make_attendee(event, "alice@example.org", "Alice Able")
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    carol = make_attendee(event, "carol@example.org", "Carol Chen")
    return event, alice, bob, carol


class Phone:
    """Bob's phone: an HTTPS client of the deployment with his session cookie, timing each answer."""

    def __init__(self, deployment: Deployment, session_token: str) -> None:
        self.port = deployment.port
        self.origin = deployment.url
        self.context = ssl.create_default_context(cafile=str(deployment.cert))
        # The signed cookie a magic-link login leaves, made with the deployment's secret key.
        signer = Flask("cookie")
        signer.secret_key = deployment.env["SECRET_KEY"]
        value = SecureCookieSessionInterface().get_signing_serializer(signer).dumps({"sid": session_token, "_permanent": True})
        self.cookies = {"eventnet_session": value}
        self.csrf = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        """One request: {"status", "headers", "body", "seconds"}; a client timeout of 20 s."""
        connection = HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=20)
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body)
            sent.update({"Content-Type": "application/json", "Accept": "application/json",
                         "X-CSRFToken": self.csrf, "Referer": f"{self.origin}{path}"})
        started = time.monotonic()
        try:
            connection.request(method, path, data, sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        seconds = time.monotonic() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return {"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()},
                "body": text, "seconds": seconds}

    def get(self, path: str, **headers) -> dict:
        return self.request("GET", path, headers=headers)

    def scan(self, slug: str, badge_token: str, client_uuid: str) -> dict:
        return self.request("POST", f"/e/{slug}/api/scans", {"token": badge_token, "client_uuid": client_uuid})


def health():
    """eventnet.database_health, imported as a test runs: on code without it the other tests of
    this module still run, and fail for what they check."""
    from eventnet import database_health

    return database_health


def logged(pattern: re.Pattern, log: str) -> list[int]:
    return [int(pid) for pid in pattern.findall(log)]


def until(condition, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


@pytest.mark.parametrize("outage", ["cut", "blackhole"])
def test_an_unreachable_database_answers_503_at_once_and_the_app_recovers_without_restart(
        app, people, tmp_path, outage):
    event, alice, bob, carol = people
    slug = event.slug
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    pages = [f"/e/{slug}/contacts/", f"/e/{slug}/", f"/b/{alice.badge_token}"]
    static = "/static/css/app.css"
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy, Deployment(
            tmp_path / "deployed", url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            "smtp://127.0.0.1:9", workers=2) as deployed:
        phone = Phone(deployed, start_session_for(bob))
        pool = ThreadPoolExecutor(8)

        def crowd(paths: list[str]) -> list[dict]:
            """Several requests at once, as a crowd of phones sends them."""
            return list(pool.map(phone.get, paths))

        # Before: pages and scans work, and both workers hold pooled connections.
        assert {r["status"] for r in crowd(pages * 4)} == {200}
        session = json.loads(phone.get(f"/e/{slug}/api/session", Accept="application/json")["body"])
        phone.csrf = session["csrf_token"]
        assert phone.scan(slug, carol.badge_token, str(uuid.uuid4()))["status"] == 201
        workers = set(logged(BOOTED, deployed.log()))
        assert len(workers) == 2

        # The outage. Page requests keep coming until each worker has seen it and logged it.
        getattr(proxy, outage)()
        answers, statics = [], []
        deadline = time.monotonic() + 60
        while not workers <= set(logged(OUTAGE, deployed.log())):
            assert time.monotonic() < deadline, f"not every worker logged the outage:\n{deployed.log()[-3000:]}"
            batch = pool.map(phone.get, pages * 2)
            statics.append(phone.get(static))  # while the pages are in flight
            answers.extend(batch)
        answers.extend(crowd(pages * 4))  # and once every worker knows
        statics.extend(phone.get(static) for _ in range(5))
        assert {a["status"] for a in answers} == {503}, [(a["status"], a["body"][:300]) for a in answers if a["status"] != 503]
        assert all(a["headers"].get("retry-after") == "5" for a in answers)
        assert all("We cannot reach our database just now" in a["body"] for a in answers)
        slowest = max(a["seconds"] for a in answers)
        # A cut answers at once; a blackhole within a ping (1 s) or a connect timeout (3 s).
        assert slowest < (2 if outage == "cut" else 5), sorted(round(a["seconds"], 2) for a in answers)
        assert {s["status"] for s in statics} == {200}
        assert max(s["seconds"] for s in statics) < 2, [round(s["seconds"], 2) for s in statics]

        # A scan sent now: JSON 503 (the phone's queue keeps it and retries), as is the queue's
        # check of who is logged in.
        kept = str(uuid.uuid4())
        refused = phone.scan(slug, alice.badge_token, kept)
        assert refused["status"] == 503 and refused["headers"].get("retry-after") == "5"
        assert json.loads(refused["body"])["error"]["code"] == "database_unavailable"
        checked = phone.get(f"/e/{slug}/api/session", Accept="application/json")
        assert checked["status"] == 503 and json.loads(checked["body"])["error"]["code"] == "database_unavailable"

        # Restored: the app answers again without restarting anything.
        proxy.restore()
        restored = time.monotonic()
        until(lambda: phone.get(pages[0])["status"] == 200, 15, "no page answered 200 after the restore")
        recovery = time.monotonic() - restored
        # A worker still waiting for its next try (at most a second) answers 503 meanwhile.
        deadline = time.monotonic() + 30
        while not workers <= set(logged(BACK, deployed.log())):
            assert time.monotonic() < deadline, f"not every worker logged its recovery:\n{deployed.log()[-3000:]}"
            assert {r["status"] for r in crowd(pages * 2)} <= {200, 503}
        everyone = time.monotonic() - restored
        assert everyone < 5
        assert {r["status"] for r in crowd(pages * 4)} == {200}

        # The phone sends the kept scan again: recorded once, however often it is replayed.
        replayed = phone.scan(slug, alice.badge_token, kept)
        assert replayed["status"] == 201, replayed["body"]
        again = phone.scan(slug, alice.badge_token, kept)
        assert again["status"] == 200 and json.loads(again["body"])["status"] == "already_connected"
        pool.shutdown()

    print(f"\n{outage}: slowest 503 {slowest:.2f} s over {len(answers)} page requests, median "
          f"{sorted(a['seconds'] for a in answers)[len(answers) // 2]:.3f} s; static slowest "
          f"{max(s['seconds'] for s in statics):.3f} s over {len(statics)}; after the restore the first 200 in "
          f"{recovery:.2f} s, every worker back in {everyone:.2f} s")
    db.session.expire_all()
    assert len(db.session.execute(db.select(Scan).filter_by(client_uuid=kept)).scalars().all()) == 1
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id, contact_id=alice.id)).scalars().all()
    assert len(mine) == 1
    log = deployed.log()
    assert "Traceback" not in log, log[-4000:]
    for pid in workers:  # one line when the outage began and one when it ended, per worker
        assert logged(OUTAGE, log).count(pid) == 1, log[-4000:]
        assert logged(BACK, log).count(pid) == 1, log[-4000:]


def test_a_statement_on_a_connection_gone_silent_fails_within_its_answer_time_and_the_next_reconnects(
        app, tmp_path, caplog):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = create_app(_config(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                                     tmp_path, DATABASE_STATEMENT_TIMEOUT=1))
        with proxied.app_context():
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
                proxy.blackhole()
                # Code that waits forever for an answer gets one after 15 s, and fails the test.
                mend = threading.Timer(15, proxy.restore)
                mend.start()
                started = time.monotonic()
                with pytest.raises(sa.OperationalError) as silent:
                    connection.exec_driver_sql("SELECT 1")
                seconds = time.monotonic() - started
                mend.cancel()
            assert isinstance(silent.value.orig, health().NoAnswer) and silent.value.connection_invalidated
            assert 2.9 < seconds < 4, seconds  # the statement timeout (1 s) and 2 s of grace
            # Known down now: refused at once, without waiting for a connect timeout.
            started = time.monotonic()
            with pytest.raises(sa.OperationalError) as refused:
                db.engine.connect()
            assert isinstance(refused.value.orig, health().DatabaseUnreachable) and time.monotonic() - started < 0.5
            proxy.restore()
            time.sleep(health().PROBE_SECONDS)
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
            db.engine.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "eventnet"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("database unreachable since") and lines[0].endswith("did not answer within 3 s")
    assert lines[1].startswith("database back after")


def test_a_request_that_answered_before_the_connection_died_still_answers(app, tmp_path, caplog):
    # Its session's transaction is rolled back after the answer is made, on the dead connection.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = create_app(_config(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                                     tmp_path))

        @proxied.get("/read-then-lose-the-database")
        def read_then_lose_the_database():
            assert db.session.execute(text("SELECT 1")).scalar() == 1  # a transaction is open
            proxy.cut()
            return "read"

        client = proxied.test_client()
        response = client.get("/read-then-lose-the-database")
        assert response.status_code == 200 and response.get_data(as_text=True) == "read"
        assert client.get("/read-then-lose-the-database").status_code == 503
        with proxied.app_context():
            db.engine.dispose()
    assert not any(r.exc_info for r in caplog.records)
    assert [r.getMessage()[:28] for r in caplog.records if r.name == "eventnet"] == ["database unreachable since 2"]


def test_one_process_tries_one_connection_a_second_while_the_database_is_unreachable():
    logger = logging.getLogger("test.health")
    unreachable = health().DatabaseUnreachable
    state = health().DatabaseHealth(logger, probe_seconds=0.2)
    state.before_connect()  # not known to be down: everyone connects
    state.before_connect()
    state.connect_failed("connection refused")
    assert state.down
    with pytest.raises(unreachable, match="connection refused"):
        state.before_connect()  # too soon
    time.sleep(0.25)
    state.before_connect()  # this one probes...
    with pytest.raises(unreachable):
        state.before_connect()  # ...and nobody else meanwhile
    state.attempt_abandoned()  # interrupted: not a verdict, and the next may try
    state.before_connect()
    state.connect_failed("connection refused")
    time.sleep(0.25)
    state.before_connect()
    state.connected()
    assert not state.down
    state.before_connect()


def test_postgresql_sessions_get_the_statement_timeout_and_the_pool_its_limits(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "5s"
    assert db.engine.pool.timeout() == 5
    assert db.engine.pool._pre_ping
