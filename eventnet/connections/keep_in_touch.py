"""Keep in touch, double-blind (issue 14): each side's private mark, told only when both marked.

Each side marks its own Connection row (keep_in_touch_at). A pair is mutual when both rows are
marked; only then does anyone see anything (the contact page, the book, the digest, the
keep-in-touch reminder). A one-sided mark is seen by nobody but its owner, on their own row.

Timing: every function here that answers about a pair reads the reverse row whether or not the
owner's own row is marked, with the same statement, and does the same work afterwards; so how
long an answer takes never depends on what the other side chose.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ..attendees.models import Attendee
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from .models import Connection

_Reverse = aliased(Connection, name="reverse_connection")


def mutual_sql(connection=Connection, reverse=_Reverse) -> ColumnElement[bool]:
    """SQL for "this row and its reverse row are both marked", for queries that join `reverse`
    or as a correlated EXISTS (mutual_exists)."""
    return and_(connection.keep_in_touch_at.is_not(None), reverse.keep_in_touch_at.is_not(None),
                reverse.owner_id == connection.contact_id, reverse.contact_id == connection.owner_id)


def mutual_exists(connection=Connection) -> ColumnElement[bool]:
    """A correlated EXISTS: `connection`'s pair is mutual (for WHERE clauses and columns)."""
    reverse = aliased(Connection)
    return exists().where(mutual_sql(connection, reverse))


def _reverse_mark(connection: Connection) -> datetime | None:
    # Always one statement, whatever the owner's own mark is: the reverse row is read even when
    # the owner has not marked (and the answer is then False anyway), so that no answer is
    # quicker or slower because of the other side's choice. (A deleted contact's NULL id
    # finds no row, by the same statement.)
    return db.session.execute(
        select(Connection.keep_in_touch_at).where(Connection.owner_id == connection.contact_id,
                                                  Connection.contact_id == connection.owner_id)
    ).scalar_one_or_none()


def is_mutual(connection: Connection) -> bool:
    """Whether both the owner of `connection` and their contact marked "stay in touch"."""
    theirs = _reverse_mark(connection)
    mine = connection.keep_in_touch_at
    return (mine is not None) & (theirs is not None)  # `&`, not `and`: both sides always evaluated


def mark(connection: Connection, wanted: bool, now: datetime | None = None) -> bool:
    """Set or clear the owner's private mark on their own row; returns is_mutual() after it. Commits.

    Marking again keeps the first time (the reminder counts from when both wanted it). The
    other side's row is never written, whatever it holds.
    """
    if wanted and connection.keep_in_touch_at is None:
        connection.keep_in_touch_at = now or utcnow()
    elif not wanted:
        connection.keep_in_touch_at = None
    db.session.commit()
    return is_mutual(connection)


def mutual_connection_ids(owner: Attendee, connection_ids: Iterable[int]) -> set[int]:
    """Which of owner's connections (by id) are mutual, in one query whatever their number."""
    ids = list(connection_ids)
    if not ids:
        return set()
    return set(db.session.execute(
        select(Connection.id).join(_Reverse, and_(_Reverse.owner_id == Connection.contact_id,
                                                  _Reverse.contact_id == Connection.owner_id))
        .where(Connection.owner_id == owner.id, Connection.id.in_(ids), mutual_sql())
    ).scalars())


def mutual_pairs(event: Event) -> list[tuple[int, int]]:
    """(lower attendee id, higher attendee id) of every mutual pair of the event, sorted."""
    rows = db.session.execute(
        select(Connection.owner_id, Connection.contact_id)
        .join(_Reverse, and_(_Reverse.owner_id == Connection.contact_id, _Reverse.contact_id == Connection.owner_id))
        .where(Connection.event_id == event.id, Connection.owner_id < Connection.contact_id, mutual_sql())
        .order_by(Connection.owner_id, Connection.contact_id)
    ).all()
    return [(owner_id, contact_id) for owner_id, contact_id in rows]
