"""The scan's write engine: both sides of a connection and the scan row, per database.

Private to connections.services (record_scan): the statements are built once, at import, and
each database gets the write that suits how it locks. SQLite has one writer at a time, so its
write is as few calls as possible under one lock; PostgreSQL locks rows, and RETURNING says in
the same round trip which rows were new. Both commit, and both raise ReplayRace when another
request recorded the same client UUID first (the caller re-reads what that one wrote).
"""
from __future__ import annotations

import contextlib
import os
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has none: processes meet at SQLite's lock there
    fcntl = None

from flask import current_app
from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db
from .models import Connection, Scan

_CONNECTIONS = Connection.__table__
_SCANS = Scan.__table__

# SQLite's statements. SQLite has one writer at a time, and every call into it lets another
# thread take the GIL; while a writer waits to get it back (up to the 5 ms switch interval)
# it holds the database's write lock, and every other scan waits too. So the write is two
# calls and a commit: both sides in one multi-row INSERT, and the scan row, which finds its
# connection with a subquery instead of a round trip; no RETURNING, whose rows are more calls.
_PAIR_SLOTS = ("first", "second")
_CONNECTION_COLUMNS = ("event_id", "owner_id", "contact_id", "initiated", "scanned_at", "created_at", "note", "tags",
                       "starred", "intent", "note_updated_at", "followup_done_at", "keep_in_touch_at", "works_on",
                       "needs", "offers", "promise_dismissed", "origin",
                       "card_fields", "card_revoked_at")


def _cacheable(statement) -> TextClause:
    # SQLAlchemy never caches a multi-row VALUES insert's compiled form (it would compile the
    # statement on every scan): the same SQL as a typed text() construct is cached like any other.
    compiled = statement.compile(dialect=sqlite.dialect(paramstyle="named"))
    return text(compiled.string).bindparams(*(bindparam(key, type_=bind.type) for key, bind in compiled.binds.items()))


_SQLITE_PAIR = _cacheable(sqlite.insert(_CONNECTIONS).values([
    {name: bindparam(f"{slot}_{name}", type_=_CONNECTIONS.c[name].type) for name in _CONNECTION_COLUMNS}
    for slot in _PAIR_SLOTS
]).on_conflict_do_nothing(index_elements=["owner_id", "contact_id"]))
_SCAN_COLUMNS = ("event_id", "scanner_id", "scanned_id", "client_uuid", "client_scanned_at", "received_at",
                 "created_connection")
_PAIR_CONNECTION = select(_CONNECTIONS.c.id).where(_CONNECTIONS.c.owner_id == bindparam("pair_owner"),
                                                   _CONNECTIONS.c.contact_id == bindparam("pair_contact"))
_SQLITE_SCAN = sqlite.insert(_SCANS).values(
    {**{name: bindparam(name, type_=_SCANS.c[name].type) for name in _SCAN_COLUMNS},
     "connection_id": _PAIR_CONNECTION.scalar_subquery()},
).on_conflict_do_nothing(index_elements=["scanner_id", "client_uuid"])
_SCAN_CONNECTION_ID = select(_SCANS.c.connection_id).where(_SCANS.c.id == bindparam("scan_id"))

# PostgreSQL's: RETURNING says in the same round trip which rows were new; rows, not the whole
# database, are locked, so a second statement costs other scans nothing.
_PG_PAIR = (postgresql.insert(_CONNECTIONS).on_conflict_do_nothing(index_elements=["owner_id", "contact_id"])
            .returning(_CONNECTIONS.c.id, _CONNECTIONS.c.owner_id))
_PG_SCAN = (postgresql.insert(_SCANS).on_conflict_do_nothing(index_elements=["scanner_id", "client_uuid"])
            .returning(_SCANS.c.id))


class ReplayRace(Exception):
    """Another request recorded the same client UUID between our check and our insert."""


# SQLite has one writer at a time. Writers that collide on its lock fall into its busy handler,
# which sleeps (1, 2, 5, 10 ... 100 ms) however soon the lock is free again: with a few gunicorn
# workers, most of a scan's time under load was that sleeping (a tail of hundreds of ms). So the
# app's scan writers take turns first: threads of one process on a Python lock, processes on an
# flock() of a file beside the database (the kernel drops it with a process that dies), looked
# at every 0.2..2 ms. Nothing else changes: the transaction is SQLite's as before, and any other
# writer (a command, the mail sender) still meets it at SQLite's own lock and busy timeout. A
# writer that has not had its turn within the statement timeout (another process's writer stuck
# behind such a foreign lock) stops queueing and goes to SQLite's lock as before, so no scan
# waits for a whole queue of timeouts.
_SQLITE_WRITERS = threading.Lock()
_LOCK_FILES: dict[tuple[int, str], int] = {}


def _lock_file(database: str | None) -> int | None:
    """This process's descriptor of the writers' lock file of an SQLite database file, or None."""
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = (os.getpid(), database)  # a forked worker opens its own: flock() is per open file
    fd = _LOCK_FILES.get(key)
    if fd is None:
        fd = _LOCK_FILES[key] = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return fd


def _take_turn(fd: int, seconds: float) -> bool:
    """flock() the writers' file within `seconds`; False if another process kept it that long."""
    deadline = time.monotonic() + seconds
    pause = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


@contextlib.contextmanager
def _sqlite_writer(connection):
    """Hold the turn of the app's SQLite writers (see _SQLITE_WRITERS) for one write."""
    with _SQLITE_WRITERS:
        fd = _lock_file(connection.engine.url.database)
        if fd is None or not _take_turn(fd, current_app.config["DATABASE_STATEMENT_TIMEOUT"]):
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def write(connection, sides: tuple[dict, dict], scan_values: dict) -> tuple[int, bool, int]:
    """Write both sides (`sides`, lower owner id first) and the scan; commits.

    Returns (the scanner's connection id, whether the connection is new, the scan's id).
    Raises ReplayRace, or the database's error (see retryable) for the caller to retry.
    """
    if connection.dialect.name == "sqlite":
        return _write_sqlite(connection, sides, scan_values)
    return _write_postgresql(connection, sides, scan_values)


def _write_sqlite(connection, sides: tuple[dict, dict], scan_values: dict) -> tuple[int, bool, int]:
    """Both sides and the scan in two statements; returns (scanner's connection id, created, scan id)."""
    scanner_id, contact_id = scan_values["scanner_id"], scan_values["scanned_id"]
    # The scanner's side goes last: when the INSERT writes it, the last inserted rowid is its id.
    mine, theirs = sides if sides[0]["owner_id"] == scanner_id else sides[::-1]
    params = {f"{slot}_{name}": side[name] for slot, side in zip(_PAIR_SLOTS, (theirs, mine)) for name in _CONNECTION_COLUMNS}
    mine_id = None
    # A transaction that already wrote holds SQLite's lock already: queueing it behind a writer
    # that waits for that very lock would only stall both until the busy timeout.
    in_transaction = connection.connection.dbapi_connection.in_transaction
    with contextlib.nullcontext() if in_transaction else _sqlite_writer(connection):
        try:
            # No BEGIN IMMEDIATE: the transaction's first statement is this INSERT (the reads
            # before it ran outside any transaction), so SQLite takes the write lock, waiting
            # for it if need be, in the same call. A transaction that had read first could not.
            inserted = connection.execute(_SQLITE_PAIR, params)
            created = inserted.rowcount == 2
            if created:
                mine_id = inserted.lastrowid
            elif inserted.rowcount == 1:
                # One side existed (one of the two had removed the other): was the new row ours?
                mine_id = connection.execute(
                    _PAIR_CONNECTION, {"pair_owner": scanner_id, "pair_contact": contact_id}
                ).scalar_one()
                created = inserted.lastrowid == mine_id
            added = connection.execute(_SQLITE_SCAN, {**scan_values, "created_connection": created,
                                                      "pair_owner": scanner_id, "pair_contact": contact_id})
            if added.rowcount != 1:
                raise ReplayRace()
            commit_keeping_loaded()
        except BaseException:
            db.session.rollback()  # before the next writer goes: it would only wait for our lock
            raise
    if mine_id is None:
        # Already connected: the scan row found the connection; read it once the lock is free.
        mine_id = db.session.connection().execute(_SCAN_CONNECTION_ID, {"scan_id": added.lastrowid}).scalar_one()
    return mine_id, created, added.lastrowid


def _write_postgresql(connection, sides: tuple[dict, dict], scan_values: dict) -> tuple[int, bool, int]:
    """Both sides in one INSERT and the scan in another, RETURNING what they wrote; commits."""
    # Both rows go as one INSERT (SQLAlchemy's insertmanyvalues); RETURNING says which were new.
    inserted = connection.execute(_PG_PAIR, list(sides)).all()
    scanner_id = scan_values["scanner_id"]
    mine_id = next((row.id for row in inserted if row.owner_id == scanner_id), None)
    created = mine_id is not None
    if not created:
        mine_id = connection.execute(
            _PAIR_CONNECTION, {"pair_owner": scanner_id, "pair_contact": scan_values["scanned_id"]}
        ).scalar_one()
    scan_id = connection.execute(
        _PG_SCAN, {**scan_values, "connection_id": mine_id, "created_connection": created}
    ).scalar_one_or_none()
    if scan_id is None:
        raise ReplayRace()
    commit_keeping_loaded()
    return mine_id, created, scan_id


# sqlite3's result code when the busy handler waited the whole busy timeout for another
# writer's lock (https://www.sqlite.org/rescode.html#busy).
SQLITE_BUSY = 5


def retryable(error: DBAPIError) -> bool:
    # Unique violations of a race, PostgreSQL deadlock/serialization failures, a SQLite lock
    # refused without waiting (a stale WAL snapshot, SQLITE_BUSY_SNAPSHOT): all are answered
    # by starting over and re-reading. A lock that outlasted the whole busy timeout is not:
    # each retry would wait that long again, and the scan is better answered 503 now (the
    # phone keeps it and sends it again) than after four busy timeouts.
    if isinstance(error, IntegrityError):
        return True
    code = getattr(error.orig, "sqlstate", None)
    if code in ("40P01", "40001"):
        return True
    return "database is locked" in str(error.orig) and getattr(error.orig, "sqlite_errorcode", None) != SQLITE_BUSY


def commit_keeping_loaded() -> None:
    # The scanner (and their event) stay loaded: expiring them on commit would cost a round
    # trip to read back what has not changed if a page is rendered after the scan.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True

