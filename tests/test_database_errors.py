"""A database that cannot answer now answers 503 with Retry-After; a bug in a query stays a 500.

On whichever database the run uses (SQLite or PostgreSQL). The network outages themselves are
in test_database_outage.py, against PostgreSQL behind a proxy.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid

import psycopg
import psycopg.errors
import pytest
from conftest import csrf_token
from flask import g
from sqlalchemy import exc as sa
from sqlalchemy import text

from eventnet.connections.models import Connection, Scan
from eventnet.extensions import db

TITLE = "We cannot reach our database just now"


@pytest.fixture
def app(app_factory, request):
    """The app, with this test's extra settings (indirect parametrization), and its factories."""
    app = app_factory(**getattr(request, "param", {}))
    with app.app_context():
        yield app


@pytest.fixture
def pair(make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able")
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    return event, alice, bob


class WriteLock:
    """Another writer holding the lock a scan needs, as a long transaction of another process does.

    SQLite: the whole file's write lock (BEGIN EXCLUSIVE; readers go on, WAL). PostgreSQL: the
    connections table, EXCLUSIVE (reads go on, writes wait). Released after `seconds` at the
    latest: a request that waits for it without any timeout of its own (the test client runs
    it in this very thread) then ends, late, instead of hanging the test.
    """

    def __init__(self, app, seconds: float = 15) -> None:
        self.url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.seconds = seconds
        self._released = threading.Lock()

    def __enter__(self) -> WriteLock:
        if self.url.startswith("sqlite"):
            self.raw = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None,
                                       check_same_thread=False)
            self.raw.execute("BEGIN EXCLUSIVE")
        else:
            self.raw = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://", 1))
            self.raw.execute("LOCK TABLE connections IN EXCLUSIVE MODE")
        self.timer = threading.Timer(self.seconds, self.release)
        self.timer.start()
        return self

    def release(self) -> None:
        if self._released.acquire(blocking=False):
            self.raw.rollback()
            self.raw.close()

    def __exit__(self, *exc) -> None:
        self.timer.cancel()
        self.release()


def errors_logged(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("eventnet") and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("app", [{"DATABASE_STATEMENT_TIMEOUT": 1}], indirect=True)
def test_a_scan_stuck_behind_a_lock_answers_503_within_the_statement_timeout_and_is_kept(app, login, pair, caplog):
    event, alice, bob = pair
    client = app.test_client()
    login(client, bob)
    g.pop("csrf_token", None)
    token = csrf_token(client, "/e/conf/")
    kept = str(uuid.uuid4())
    scan = {"token": alice.badge_token, "client_uuid": kept}
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    with WriteLock(app):
        started = time.monotonic()
        refused = client.post("/e/conf/api/scans", json=scan, headers=headers)
        seconds = time.monotonic() - started
        # The Exchange button on a badge page: the error page; from htmx: the fragment.
        page = client.post(f"/b/{alice.badge_token}/exchange", data={"csrf_token": token, "client_uuid": kept})
        fragment = client.post(f"/b/{alice.badge_token}/exchange", data={"csrf_token": token, "client_uuid": kept},
                               headers={"HX-Request": "true"})
    # Refused after the statement timeout (1 s here), not after four of them.
    assert refused.status_code == 503 and seconds < 3, (refused.status_code, seconds)
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json()["error"]["code"] == "database_unavailable"
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert TITLE in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert fragment.status_code == 503 and fragment.headers["Retry-After"] == "5"
    assert TITLE in fragment.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    # One line in the log for the three, and no traceback.
    logged = errors_logged(caplog)
    assert len(logged) == 1 and "answered 503" in logged[0].getMessage(), [r.getMessage() for r in logged]
    assert not any(r.exc_info for r in caplog.records)
    # The phone sends it again once the lock is gone: recorded once.
    assert client.post("/e/conf/api/scans", json=scan, headers=headers).status_code == 201
    assert client.post("/e/conf/api/scans", json=scan, headers=headers).status_code == 200
    db.session.expire_all()
    assert len(db.session.execute(db.select(Scan).filter_by(client_uuid=kept)).scalars().all()) == 1
    assert len(db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalars().all()) == 1


@pytest.mark.parametrize("app", [{"DATABASE_POOL_TIMEOUT": 1}], indirect=True)
def test_no_free_connection_in_the_pool_answers_503_after_the_pool_timeout(app, login, pair):
    event, alice, bob = pair
    client = app.test_client()
    login(client, bob)
    db.session.remove()
    pool = db.engine.pool
    held = [db.engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # every one, by others
    started = time.monotonic()
    response = client.get("/e/conf/contacts/")
    seconds = time.monotonic() - started
    for connection in held:
        connection.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert 0.9 < seconds < 2.5, seconds
    assert client.get("/e/conf/contacts/").status_code == 200


def test_a_bug_in_a_query_stays_a_500_logged_with_its_traceback(app_factory, caplog):
    app = app_factory()

    @app.get("/broken")
    def broken():
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))

    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "unhandled error"


def classify(error: BaseException):
    """eventnet.database_errors.classify, imported as a test runs: the other tests of this
    module then run (and fail for what they check) on code without it."""
    from eventnet.database_errors import classify

    return classify(error)


def ours(name: str, message: str):
    """A maker of eventnet.database_health's error `name`."""
    def make():
        from eventnet import database_health

        return getattr(database_health, name)(message)

    return make


@pytest.mark.parametrize(("make", "kind"), [
    # A connection that could not be made or was lost: an outage (eventnet.database_health).
    pytest.param(lambda: psycopg.OperationalError("connection failed: Connection refused"), "unreachable", id="refused"),
    pytest.param(ours("NoAnswer", "the database did not answer within 7 s"), "unreachable", id="silent"),
    pytest.param(ours("DatabaseUnreachable", "database unreachable since ..."), "unreachable", id="known-outage"),
    pytest.param(lambda: psycopg.errors.AdminShutdown("terminating connection"), "unreachable", id="shutdown"),
    pytest.param(lambda: psycopg.errors.TooManyConnections("sorry, too many clients"), "unreachable", id="too-many"),
    pytest.param(lambda: sa.OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection"),
                                             connection_invalidated=True), "unreachable", id="invalidated"),
    # The database answers, but cannot do this now.
    pytest.param(lambda: sa.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "busy", id="pool"),
    pytest.param(lambda: psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), "busy",
                 id="statement-timeout"),
    pytest.param(lambda: psycopg.errors.LockNotAvailable("could not obtain lock"), "busy", id="lock-timeout"),
    pytest.param(lambda: psycopg.errors.DeadlockDetected("deadlock detected"), "busy", id="deadlock"),
    # Bugs: a 500.
    pytest.param(lambda: psycopg.errors.UndefinedTable('relation "nope" does not exist'), None, id="no-table"),
    pytest.param(lambda: psycopg.errors.UniqueViolation("duplicate key"), None, id="unique"),
    pytest.param(lambda: sa.InterfaceError("SELECT ?", {}, sqlite3.InterfaceError("Error binding parameter 1")), None,
                 id="sqlite-binding"),
    pytest.param(lambda: ValueError("not a database error"), None, id="not-the-database"),
])
def test_what_counts_as_a_database_that_cannot_answer_now(make, kind):
    error = make()
    assert (classify(error) or (None,))[0] == kind
    if isinstance(error, psycopg.Error):
        wrapped = sa.DBAPIError.instance("SELECT 1", {}, error, psycopg.Error)  # as SQLAlchemy raises it
        assert (classify(wrapped) or (None,))[0] == kind


def test_sqlite_lock_and_unusable_file_are_busy_and_its_other_errors_bugs(tmp_path):
    path = tmp_path / "x.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    waiting = sqlite3.connect(path, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError) as locked:
        waiting.execute("INSERT INTO t VALUES (1)")
    holder.rollback()
    with pytest.raises(sqlite3.OperationalError) as missing:
        waiting.execute("SELECT * FROM no_such_table")
    with pytest.raises(sqlite3.OperationalError) as unopenable:
        sqlite3.connect(tmp_path / "no" / "such" / "dir.sqlite3")
    for connection in (holder, waiting):
        connection.close()
    assert classify(locked.value)[0] == "busy"
    assert classify(unopenable.value)[0] == "busy"
    assert classify(missing.value) is None
