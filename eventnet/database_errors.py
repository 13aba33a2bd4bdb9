"""A database that cannot answer now answers 503 with Retry-After, never a 500 and a traceback.

One handler for the errors that say "not now" rather than "this code is wrong":

- unreachable: the connection could not be made or was lost (refused, timed out, closed by
  the server or the network, silent past its answer timeout, or refused at once during a known
  outage: eventnet.database_health). Logged there, one line per outage per process.
- busy: the database answers but could not do this now (PostgreSQL's statement or lock
  timeout, a deadlock, too many connections or out of resources; no free connection in the
  pool; SQLite's lock still held by another writer at the end of the busy timeout). Logged
  here, one line a minute at most, with how many more there were.

Everything else (a bad query, a constraint a service did not expect) is a bug: it goes to the
app's handler for unexpected errors (eventnet.errors), which logs it with its traceback and
answers 500.

The answer: JSON `{"error": {"code": "database_unavailable", ...}}` for the JSON APIs (the
phone's offline queue keeps an item on anything but an explicit confirmation, and retries), the
error page or the htmx fragment otherwise, each with `Retry-After`.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time

import psycopg
from flask import Flask, current_app, g, jsonify, make_response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa

from .auth.session import CACHE_KEY
from .errors import render_error
from .extensions import db

# Seconds a client should wait before trying again. The phone's queue backs off on its own
# (1 s doubling to a minute, with jitter), so this is advice for browsers and other clients.
RETRY_AFTER_SECONDS = 5
BUSY_LOG_SECONDS = 60
CODE = "database_unavailable"
TITLE = _l("We cannot reach our database just now")
DETAIL = _l("Nothing you sent is lost on your phone. Please try again in a few seconds.")
API_MESSAGE = _l("The server cannot reach its database just now. Keep the item and send it again later.")

# PostgreSQL error classes (SQLSTATE) that mean the connection itself is gone: 08 connection
# exceptions; 57P01-57P03 the server shutting down or starting up; 53300 too many connections.
# https://www.postgresql.org/docs/current/errcodes-appendix.html
_LOST = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite result codes: 5 SQLITE_BUSY, 6 SQLITE_LOCKED (the lock outlasted the busy timeout);
# 10 SQLITE_IOERR, 13 SQLITE_FULL, 14 SQLITE_CANTOPEN (the file or its disk is not usable).
# https://www.sqlite.org/rescode.html
_SQLITE_NOT_NOW = {5, 6, 10, 13, 14}


def classify(error: BaseException) -> tuple[str, str] | None:
    """("unreachable" or "busy", the reason in one line) for a database that cannot answer now;
    None for any other error (a bug, which stays a 500)."""
    if isinstance(error, sa.TimeoutError):
        return "busy", f"no free database connection: {error}"
    orig = error.orig if isinstance(error, sa.DBAPIError) else error
    reason = " ".join(str(orig).split())[:300] or type(orig).__name__
    # SQLAlchemy says a connection was lost with connection_invalidated. An InterfaceError
    # alone is not that: psycopg 3 and sqlite3 raise it for misuse (a closed cursor, a value of
    # a type they cannot send), which is a bug.
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return "unreachable", reason
    if isinstance(orig, psycopg.OperationalError):
        # Connection failures and psycopg's own client-side errors carry no SQLSTATE.
        state = orig.sqlstate
        if state is None or state.startswith(_LOST):
            return "unreachable", reason
        return "busy", reason  # a statement or lock timeout, a deadlock, out of resources
    code = getattr(orig, "sqlite_errorcode", None) if isinstance(orig, sqlite3.OperationalError) else None
    if code is not None and code & 0xFF in _SQLITE_NOT_NOW:  # the primary code of an extended one
        return "busy", reason
    return None


class _ThrottledLog:
    """Logs a message at most once per `seconds`, saying how many were left out meanwhile."""

    def __init__(self, logger: logging.Logger, seconds: float) -> None:
        self.logger, self.seconds = logger, seconds
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._skipped = 0

    def warning(self, message: str) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.seconds:
                self._skipped += 1
                return
            skipped, self._skipped, self._last = self._skipped, 0, now
        more = f" (and {skipped} more since the last such line)" if skipped else ""
        self.logger.warning("database could not serve a request now, answered 503: %s%s", message, more)


def _wants_json() -> bool:
    # The JSON APIs live under /api/; another client that asks for JSON (and is not htmx) too.
    return "/api/" in request.path or (
        request.headers.get("HX-Request") != "true"
        and request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def unavailable():
    """The 503 answer: JSON for the APIs, else the error page or the htmx fragment."""
    # The answer must be made without the database: choosing its language and base.html ask who
    # is logged in (a query), and an event loaded before the failure is expired by the rollback
    # (a query on first use). So the answer is in the browser's language.
    setattr(g, CACHE_KEY, (request._get_current_object(), None))
    g.pop("event", None)
    g.pop("attendee", None)
    if _wants_json():
        response = make_response(jsonify(error={"code": CODE, "message": str(API_MESSAGE)}), 503)
    else:
        response = make_response(render_error(503, str(TITLE), str(DETAIL)))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _handle(error: Exception):
    found = classify(error)
    if found is None:
        return _unexpected(error)
    kind, reason = found
    try:
        db.session.rollback()  # a lost connection has nothing to roll back; a busy one has
    except sa.SQLAlchemyError:
        pass  # the database is not answering: the session is discarded at teardown anyway
    if kind == "busy":
        current_app.extensions["eventnet.database_busy_log"].warning(reason)
    return unavailable()


def _unexpected(error: Exception):
    # A database error that is a bug: the app's handler for unexpected errors answers it (500,
    # logged with its traceback). Looked up now, so the order of registration does not matter.
    handler = current_app.error_handler_spec.get(None, {}).get(None, {}).get(Exception)
    if handler is None:
        raise error
    return handler(error)


def _release_session(error: BaseException | None) -> None:
    # A request that read and answered leaves a transaction open, rolled back when its session
    # is removed. If the connection died in between (the first moment of an outage), that
    # rollback fails after the answer is made, out of reach of any error handler: the server
    # would log a traceback and the client get a broken answer. The connection is invalidated
    # by then and the outage logged once (eventnet.database_health); nothing else is needed.
    # Flask-SQLAlchemy's own teardown removes the session too: teardowns run in the reverse
    # order of registration, so this one comes first and leaves it nothing to do.
    try:
        db.session.remove()
    except Exception as failure:
        if classify(failure) is None:
            raise


def init_app(app: Flask) -> None:
    """Answer the database's "not now" errors with 503 and Retry-After (see the module's docstring)."""
    app.extensions["eventnet.database_busy_log"] = _ThrottledLog(app.logger, BUSY_LOG_SECONDS)
    for kind in (sa.DBAPIError, sa.TimeoutError, psycopg.OperationalError, sqlite3.OperationalError):
        app.register_error_handler(kind, _handle)
    app.teardown_appcontext(_release_session)
