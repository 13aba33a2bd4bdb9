"""Database session helpers shared by every feature."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps
from typing import Callable, TypeVar

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind we store)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type and returns naive datetimes; without this, comparing a stored
    expiry with utcnow() would raise on SQLite and work on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets readers work while a writer commits.
    # Concurrent writers wait for each other up to the busy timeout, which the app's engine sets
    # as sqlite3's `timeout` (DATABASE_STATEMENT_TIMEOUT, eventnet.config.engine_options).
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() (and so ILIKE, which SQLAlchemy turns into lower() LIKE lower())
        # folds only ASCII: a search for "zoë" would miss "ZOË". Python's folds all of Unicode,
        # as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


View = TypeVar("View", bound=Callable)


def read_only(view: View) -> View:
    """Run a view that only reads outside a transaction on PostgreSQL (autocommit).

    psycopg opens a transaction with a BEGIN of its own before the first statement, and the
    session ends it with a ROLLBACK: two round trips, each a query the server parses, around
    the one or two SELECTs of a page every camera-app scan opens (the badge card). A page that
    writes nothing loses nothing by reading each statement in its own snapshot. SQLite is left
    as it is: pysqlite begins no transaction for a SELECT, and switching its isolation level
    back on return to the pool would cost a PRAGMA each time.

    Only for views that never write: a write in one would commit on its own, statement by
    statement. Applies when the view is the first to use the request's session; otherwise the
    transaction already begun is kept.
    """
    from .extensions import db

    @wraps(view)
    def wrapped(*args, **kwargs):
        session = db.session()  # the request's own Session, behind the scoped proxy
        if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
