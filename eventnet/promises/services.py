"""Promises: add one (from the note form, the "Track this" suggestion or the scanner), mark it
done or open again, list them, and count the open ones for the digest and reminders."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func

from ..attendees.models import Attendee
from ..database import utcnow
from ..errors import fail
from ..extensions import db
from ..forms import FormInvalid
from ..i18n.languages import shipped
from .detection import looks_like_promise
from .models import PROMISE_MAX, Promise


class PromiseInvalid(FormInvalid):
    """A promise that cannot be saved: its text or its due date."""

    form_code = "promise_invalid"


def parse_due(raw: str | None) -> date | None:
    """A due date as a date input sends it (YYYY-MM-DD), None when empty; ValueError otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if len(raw) != 10:
        raise ValueError(_("Give the due date as a date, like 2026-12-31."))
    try:
        due = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(_("Give the due date as a date, like 2026-12-31.")) from None
    if not 2000 <= due.year <= 2100:
        raise ValueError(_("Give a due date between the years 2000 and 2100."))
    return due


def checked(text: str | None, due: str | None) -> tuple[str, date | None]:
    """A promise's text on one line and its due date, or PromiseInvalid with the message per field."""
    errors: dict[str, str] = {}
    line = " ".join(str(text or "").split())
    if not line:
        errors["promise"] = _("Write what you promised.")
    elif len(line) > PROMISE_MAX:
        errors["promise"] = _("A promise is at most %(max)s characters (it has %(count)s).", max=PROMISE_MAX, count=len(line))
    due_on = None
    try:
        due_on = parse_due(due)
    except ValueError as error:
        errors["promise_due"] = str(error)
    if errors:
        raise PromiseInvalid(errors)
    return line, due_on


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def promises_of(connection) -> list[Promise]:
    """The promises made to one contact: open ones first (by due date), then done ones."""
    return list(db.session.execute(_ordered(db.select(Promise).where(Promise.connection_id == connection.id))).scalars())


def untracked(connection, texts: list[str]) -> list[str]:
    """Those of `texts` that are not yet promises to connection's contact."""
    tracked = promises_of(connection)
    return [text for text in texts if not any(_same(p.text, text) for p in tracked)]


def track(connection, text: str, due_on: date | None = None, *, commit: bool = True) -> Promise | None:
    """Track `text` as a promise to connection's contact; None when one with the same text is
    there already (a replayed scanner note or a double tap adds nothing)."""
    if any(_same(p.text, text) for p in promises_of(connection)):
        return None
    promise = Promise(event_id=connection.event_id, owner_id=connection.owner_id, connection_id=connection.id,
                      text=text, due_on=due_on)
    db.session.add(promise)
    if commit:
        db.session.commit()
    return promise


def add_promise(connection, text: str | None, due: str | None = None) -> Promise | None:
    """Check and track a promise (see track). Raises PromiseInvalid. Commits."""
    return track(connection, *checked(text, due))


def set_done(promise: Promise, done: bool = True) -> Promise:
    """Mark a promise done (it stops being chased) or open again. Commits."""
    if done and promise.done_at is None:
        promise.done_at = utcnow()
    elif not done:
        promise.done_at = None
    db.session.commit()
    return promise


def get_promise_or_404(owner, promise_id: int) -> Promise:
    """One of owner's promises; anyone else's (or none) is a 404 so ids leak nothing."""
    promise = db.session.execute(db.select(Promise).filter_by(id=promise_id, owner_id=owner.id)).scalar_one_or_none()
    if promise is None:
        fail(404, _("There is no such promise in your list."))
    return promise


def _ordered(query):
    # Open first, soonest due first and undated last; then done, most recently done first.
    return query.order_by(
        case((Promise.done_at.is_(None), 0), else_=1),
        case((Promise.due_on.is_(None), 1), else_=0), Promise.due_on,
        Promise.done_at.desc(), Promise.id,
    )


def my_promises(owner) -> list[Promise]:
    """All of owner's promises for the "My promises" page, open first by due date, then done."""
    return list(db.session.execute(_ordered(db.select(Promise).where(Promise.owner_id == owner.id))).scalars())


def by_connection(owner_id: int) -> dict[int, list[Promise]]:
    """All of owner's promises (open and done), by connection id, open first in due order."""
    grouped: dict[int, list[Promise]] = defaultdict(list)
    for promise in db.session.execute(_ordered(db.select(Promise).where(Promise.owner_id == owner_id))).scalars():
        grouped[promise.connection_id].append(promise)
    return grouped


def open_count(owner) -> int:
    """How many of owner's promises are open."""
    return db.session.execute(
        db.select(func.count(Promise.id)).where(Promise.owner_id == owner.id, Promise.done_at.is_(None))
    ).scalar_one()


def author_language(connection) -> str:
    """The language a note is read in for promises: its author's (the connection's owner) own
    choice, else the language their pages and emails are in now (notes are only ever shown or
    sent to their author: on their pages, in their digest), else English."""
    owner = db.session.get(Attendee, connection.owner_id)
    locale = get_locale()
    return (shipped(getattr(owner, "language", None)) or (shipped(locale.language) if locale is not None else None)
            or "en")


def suggestion_for(connection, tracked: list[Promise] | None = None) -> str | None:
    """The sentence of connection's note to offer as a promise ("Track this as a promise?"), or
    None: when the note reads like none (in its author's language, detection.py), when it is
    tracked already, or the owner dismissed it."""
    if not (connection.note or "").strip():
        return None
    sentence = looks_like_promise(connection.note, author_language(connection))
    if sentence is None:
        return None
    if connection.promise_dismissed and _same(connection.promise_dismissed, sentence):
        return None
    tracked = promises_of(connection) if tracked is None else tracked
    if any(_same(p.text, sentence) for p in tracked):
        return None
    return sentence


def keep_note_promise(connection) -> Promise | None:
    """The note's untracked promise (suggestion_for), tracked and marked done at once, from a
    digest's link; None when the note no longer reads like one, or it is tracked already. Commits."""
    sentence = suggestion_for(connection)
    if sentence is None:
        return None
    promise = track(connection, sentence, commit=False)
    promise.done_at = utcnow()
    db.session.commit()
    return promise


def connection_for_note_link(event, token: str):
    """The connection a signed "note promise done" link names, in this event; tokens.LinkError otherwise."""
    from ..connections.models import Connection
    from ..digests import tokens

    connection_id, owner_id = tokens.read_token("note-promise-done", token, 2)
    connection = db.session.get(Connection, connection_id)
    if connection is None or connection.owner_id != owner_id or connection.event_id != event.id:
        raise tokens.LinkError("invalid")
    return connection


def dismiss_suggestion(connection, sentence: str | None) -> None:
    """Remember that this sentence of the note is not a promise. Commits."""
    connection.promise_dismissed = " ".join(str(sentence or "").split())[:PROMISE_MAX] or None
    db.session.commit()


def promise_for_link(event, token: str) -> Promise:
    """The promise a signed "promise done" link names, in this event; tokens.LinkError otherwise."""
    from ..digests import tokens

    promise_id, owner_id = tokens.read_token("promise-done", token, 2)
    promise = db.session.get(Promise, promise_id)
    if promise is None or promise.owner_id != owner_id or promise.event_id != event.id:
        raise tokens.LinkError("invalid")
    return promise


def is_overdue(promise: Promise, today: date | None = None) -> bool:
    """Whether an open promise is past its due date."""
    return (promise.due_on is not None and promise.done_at is None
            and promise.due_on < (today or utcnow().date()))


def _short_day(day: date) -> str:
    # "Dec 12" / "12. Dez." / "12 déc.": the language's own day and month (CLDR's MMMd).
    return format_skeleton("MMMd", day, locale=get_locale() or "en")


def due_label(promise: Promise, today: date | None = None) -> str:
    """"due Dec 12", "overdue since Dec 3" or "" for an undated or done promise (current language)."""
    if promise.due_on is None or promise.done_at is not None:
        return ""
    day = _short_day(promise.due_on)
    if is_overdue(promise, today):
        return _("overdue since %(day)s", day=day)
    return _("due %(day)s", day=day)


def as_json(promise: Promise) -> dict:
    """A promise in the attendee's export."""
    def iso(value: datetime | date | None) -> str | None:
        return value.isoformat() if value else None

    return {"id": promise.id, "text": promise.text, "due_on": iso(promise.due_on),
            "created_at": iso(promise.created_at), "done_at": iso(promise.done_at)}
