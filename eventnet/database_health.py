"""Whether this process can reach its PostgreSQL database, and how it behaves while it cannot.

Two pieces, wired to the app's engine by init_app():

- AnsweringConnection: a psycopg connection that waits a bounded time for every answer. The
  server's statement_timeout only helps while the server answers; in a network partition, or
  with a server (or PgBouncer) that accepted the connection and went silent, psycopg would wait
  forever. Each round trip (a query, a commit, a rollback, the pool's ping) gets `answer_timeout`
  seconds; past it the connection is closed and the caller gets NoAnswer, which SQLAlchemy
  treats as a disconnect (the pool drops its connections and opens new ones).
- DatabaseHealth: per process, the outage state. The first connection-level failure starts an
  outage: one log line, "database unreachable since <time> (process <pid>): <reason>". While it
  lasts, at most one connection attempt at a time is made, and no sooner than PROBE_SECONDS
  after the previous one failed; every other request is refused at once with
  DatabaseUnreachable (and answers 503, eventnet.database_errors), so no thread waits out a
  connect timeout that will come, and static files and everything else that needs no database
  keep being served. The first connection that succeeds ends it: "database back after <n> s".
  Nothing needs restarting.

SQLite engines are left alone: a file has no network to lose (its busy timeout bounds lock
waits, eventnet.config.engine_options).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timezone

import psycopg
import psycopg.errors
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import answer_seconds
from .extensions import db

# The pool's ping (pool_pre_ping) is an empty query, sent before a connection that sat idle is
# handed out; a reachable server answers it in a network round trip (well under a millisecond
# on one host, a tenth of a second across a continent). A second of silence from a connection
# that was fine when it went idle means the server or the path to it has stopped answering:
# that starts an outage at once, so the first requests of a partition wait one second, not a
# ping and then a connect timeout each. A false alarm costs this process a second of 503s.
PING_SECONDS = 1.0
# While an outage lasts, how often a process tries to connect again. Recovery is noticed within
# this (plus a connect), and a silent server costs one thread a connect timeout per interval.
PROBE_SECONDS = 1.0

# psycopg's own error for a wait past its `timeout` (psycopg >= 3.2). Named here, not guessed:
# a psycopg that renames it fails at import, loudly, and the tests with it.
_WaitTimeout = psycopg.errors._WaitTimeout


class NoAnswer(psycopg.OperationalError):
    """The database did not answer within the connection's answer timeout; the connection is closed."""


class DatabaseUnreachable(psycopg.OperationalError):
    """Refused without trying: this process knows the database is unreachable (see DatabaseHealth)."""


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection that gives up on a server silent for `answer_timeout` seconds.

    psycopg runs every exchange with the server through Connection.wait(gen); callers that pass
    their own timeout (notifies(), cancellation) keep it. `answer_timeout` None waits forever,
    as psycopg does by default.
    """

    answer_timeout: float | None = None

    def wait(self, gen, *args, **kwargs):
        timeout = self.answer_timeout
        if timeout is None or len(args) > 1 or kwargs.get("timeout") is not None:
            return super().wait(gen, *args, **kwargs)
        kwargs["timeout"] = timeout
        try:
            return super().wait(gen, *args, **kwargs)
        except _WaitTimeout:
            # Half-way through the protocol: the connection cannot be used again. Closed, it
            # is a disconnect to SQLAlchemy (connection.closed), which invalidates the pool.
            self.close()
            raise NoAnswer(f"the database did not answer within {timeout:g} s") from None


def describe(error: BaseException) -> str:
    """An error as one short line for the log (psycopg's connection errors span several)."""
    text = " ".join(str(getattr(error, "orig", None) or error).split())
    return (text[:300] + "…") if len(text) > 300 else text or type(error).__name__


class DatabaseHealth:
    """One process's view of whether its database answers; thread-safe. See the module's docstring."""

    def __init__(self, logger: logging.Logger, probe_seconds: float = PROBE_SECONDS) -> None:
        self.log = logger
        self.probe_seconds = probe_seconds
        self._lock = threading.Lock()
        self.down_since: datetime | None = None  # wall clock, for the log line
        self._down_at = 0.0  # monotonic, for the duration
        self._reason = ""
        self._probing = False
        self._next_probe = 0.0

    @property
    def down(self) -> bool:
        """Whether an outage is going on."""
        return self.down_since is not None

    def before_connect(self) -> None:
        """Raise DatabaseUnreachable unless this thread may try to connect now."""
        with self._lock:
            if self.down_since is None:
                return
            if self._probing or time.monotonic() < self._next_probe:
                raise DatabaseUnreachable(
                    f"database unreachable since {_iso(self.down_since)}: {self._reason}")
            self._probing = True

    def connect_failed(self, reason: str) -> None:
        """A connection attempt failed: the database is unreachable (from now, or still)."""
        with self._lock:
            self._probing = False
            self._next_probe = time.monotonic() + self.probe_seconds
        self.failed(reason)

    def attempt_abandoned(self) -> None:
        """A connection attempt ended without an answer either way (interrupted): the next may try."""
        with self._lock:
            self._probing = False

    def failed(self, reason: str) -> None:
        """A connection-level failure: starts an outage (one log line) unless one is going on."""
        with self._lock:
            if self.down_since is not None:
                return
            self.down_since, self._down_at, self._reason = datetime.now(timezone.utc), time.monotonic(), reason
            self._next_probe = time.monotonic() + self.probe_seconds
        self.log.error("database unreachable since %s (process %d): %s", _iso(self.down_since), os.getpid(), reason)

    def connected(self) -> None:
        """A connection succeeded: ends the outage (one log line) if one was going on."""
        with self._lock:
            self._probing = False
            if self.down_since is None:
                return
            seconds = time.monotonic() - self._down_at
            self.down_since = None
        self.log.warning("database back after %.1f s (process %d)", seconds, os.getpid())


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def init_app(app: Flask) -> None:
    """Wire AnsweringConnection and DatabaseHealth to the app's PostgreSQL engine; no I/O."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    health = DatabaseHealth(app.logger)
    app.extensions["eventnet.database_health"] = health
    _watch(engine, health, answer_seconds(app.config))


def _watch(engine: Engine, health: DatabaseHealth, answer: float) -> None:
    @event.listens_for(engine, "do_connect")
    def connect(dialect, connection_record, cargs, cparams):
        health.before_connect()
        try:
            connection = AnsweringConnection.connect(*cargs, **cparams)
        except psycopg.Error as error:
            health.connect_failed(describe(error))
            raise
        except BaseException:
            health.attempt_abandoned()  # interrupted: says nothing about the database
            raise
        connection.answer_timeout = answer
        health.connected()
        return connection

    @event.listens_for(engine, "handle_error")
    def lost(context):
        # A connection that broke in use (closed by the server or the network), or one that
        # went silent, the pool's ping included. A ping that found its connection closed is not
        # an outage yet (a server restarted since, a firewall that dropped an idle flow): the
        # pool reconnects at once, and that attempt tells.
        silent = isinstance(context.original_exception, NoAnswer)
        if silent or (context.is_disconnect and not context.is_pre_ping):
            health.failed(describe(context.original_exception))

    # The pool's ping on an idle connection gets the short PING_SECONDS; a checked-out
    # connection (the ping comes before the checkout event) gets the statement's whole answer
    # time.
    @event.listens_for(engine.pool, "checkin")
    def idle(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, AnsweringConnection):
            dbapi_connection.answer_timeout = PING_SECONDS

    @event.listens_for(engine.pool, "checkout")
    def busy(dbapi_connection, connection_record, connection_proxy):
        if isinstance(dbapi_connection, AnsweringConnection):
            dbapi_connection.answer_timeout = answer
