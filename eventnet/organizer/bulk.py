"""Bulk actions on the attendee list: on the ticked attendees, or on everyone matching the filter.

Every mass action is confirmed on a page that names the exact number of people and what they
get. The page carries a signed token of (action, event, selection, count); the POST re-counts
the selection and acts only when the token is valid and the count is still the one shown: a POST
without the confirmation step (or after the list changed) does nothing and shows the page again.
Removal also wants the count typed ("remove 12"). Mass emails are queued held
(next_attempt_at in the future, MASS_MAIL_HOLD_SECONDS) so they can be cancelled before any leaves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, update

from ..attendees.models import Attendee
from ..audit import services as audit
from ..audit.models import AuditLog
from ..connections.models import Connection
from ..database import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.outbox import SCRUBBED
from ..mydata.services import CONFIRM_WORD, AccountError, delete_account
from ..attendees.finder import ListQuery, contact_counts, matching

ACTIONS = ("email", "badges", "export_csv", "export_xlsx", "remove")
MAX_IDS = 500  # ticked on one page: at most 50; a crafted URL gets no more than this
MAX_REMOVE = 1000  # one removal deletes this many at most (each is a whole account)
CONFIRM_MAX_AGE = 30 * 60  # a confirmation page older than this must be opened again
HOLD_DEFAULT = 60


class BulkError(DomainError):
    """A bulk action that cannot be done as asked; the message says why."""

    default_status = 409
    MESSAGES = {
        "nobody_selected": (422, "Tick at least one attendee, or choose “everyone matching the filter”."),
        "unknown_action": (400, "Choose one of the actions above the list."),
        "confirmation_expired": (409, "This confirmation is no longer valid (it is older than 30 minutes or "
                                      "belongs to another page): nothing was done. Check the number again below."),
        "count_changed": (409, "The list changed since the page was shown: nothing was done. Check the new number "
                               "below and confirm again."),
        "not_typed": (422, "Type the confirmation exactly as shown to remove them: nothing was removed."),
        "too_many": (422, f"At most {MAX_REMOVE:,} attendees can be removed at once: narrow the filter."),
        "window_over": (409, "Too late to cancel: the emails have started going out."),
    }


def hold_seconds() -> int:
    """How long mass emails wait after they are queued, so that they can be cancelled (a setting)."""
    return int(current_app.config.get("MASS_MAIL_HOLD_SECONDS", HOLD_DEFAULT))


# ----------------------------------------------------------------------------- who

@dataclass
class Selection:
    """Who a bulk action is for: ticked ids of this event, or everyone matching the list's filters.

    Shape: ids [3, 7] and filters ignored, or ids None and filters a ListQuery (search, flags, role).
    """

    ids: list[int] | None
    filters: ListQuery

    @classmethod
    def from_args(cls, args) -> "Selection":
        """The bulk form's scope, ticked ids and the list's filters; BulkError when nobody is chosen."""
        filters = ListQuery.from_args(args)
        if args.get("scope") == "matching":
            return cls(None, filters)
        ids = sorted({int(v) for v in args.getlist("ids")[:MAX_IDS] if v.isdigit() and len(v) < 12})
        if not ids:
            raise BulkError("nobody_selected")
        return cls(ids, filters)

    def to_token(self) -> dict:
        return {"ids": self.ids, "f": self.filters.filter_args()}

    @classmethod
    def from_token(cls, data: dict) -> "Selection":
        return cls(data.get("ids"), ListQuery.from_args(_Args(data.get("f") or {})))

    def args(self) -> dict:
        """Query arguments that name this selection again (the badge page, a link back)."""
        if self.ids is not None:
            return {"ids": self.ids, "scope": "selected"}
        return {**self.filters.filter_args(), "scope": "matching"}

    def describe(self, count: int) -> str:
        """'the 3 ticked attendees' or 'all 120 attendees matching “ada”, never logged in'."""
        people = "attendee" if count == 1 else "attendees"
        if self.ids is not None:
            return f"the {count} ticked {people}"
        if not self.filters.filtered:
            return f"all {count} {people}"
        return f"all {count} {people} {self.filters.describe()}"


class _Args(dict):
    """A dict that answers getlist like request.args (for a selection read back from a token)."""

    def getlist(self, key):
        value = self.get(key)
        return value if isinstance(value, list) else ([] if value is None else [value])


def query(event: Event, selection: Selection):
    """SELECT the selection's attendees of this event, by name (ids of another event match nobody)."""
    if selection.ids is not None:
        q = db.select(Attendee).where(Attendee.event_id == event.id, Attendee.id.in_(selection.ids))
    else:
        q = matching(event, selection.filters)
    return q.order_by(func.lower(Attendee.name), Attendee.id)


def chosen(event: Event, selection: Selection) -> list[Attendee]:
    """The selection's attendees, by name."""
    return list(db.session.execute(query(event, selection)).scalars())


def count(event: Event, selection: Selection) -> int:
    """How many attendees the selection holds right now."""
    return db.session.execute(db.select(func.count()).select_from(query(event, selection).order_by(None).subquery())).scalar_one()


def with_counts(event: Event, selection: Selection) -> list[tuple[Attendee, int]]:
    """(attendee, contact count) for an export, by name; counts in chunks of ids, never a note."""
    people = chosen(event, selection)
    counts: dict[int, int] = {}
    for start in range(0, len(people), 500):
        counts.update(contact_counts([a.id for a in people[start:start + 500]]))
    return [(a, counts.get(a.id, 0)) for a in people]


# ----------------------------------------------------------------------------- confirmation tokens

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="eventnet.organizer.bulk-confirm")


def sign(event: Event, action: str, selection: Selection, people: int) -> str:
    """The confirmation page's token: this action, on this selection of this event, for `people`."""
    return _serializer().dumps({"a": action, "e": event.id, "n": people, **selection.to_token()})


def verify(event: Event, action: str, token: str) -> tuple[Selection, int]:
    """The selection and count a confirmation page showed; BulkError("confirmation_expired") if not ours."""
    try:
        data = _serializer().loads(str(token or ""), max_age=CONFIRM_MAX_AGE)
    except BadSignature:
        raise BulkError("confirmation_expired") from None
    if not isinstance(data, dict) or data.get("a") != action or data.get("e") != event.id:
        raise BulkError("confirmation_expired")
    return Selection.from_token(data), int(data.get("n", -1))


def confirmed(event: Event, action: str, token: str) -> tuple[Selection, int]:
    """verify(), and the selection still holds exactly the number shown (BulkError otherwise)."""
    selection, shown = verify(event, action, token)
    if count(event, selection) != shown:
        raise BulkError("count_changed")
    return selection, shown


# ----------------------------------------------------------------------------- what removal takes along

@dataclass
class RemovalPlan:
    """What removing a selection deletes: how many people, how many of them have contacts or notes.

    people: the attendees that would go (the organizer pressing it is never among them);
    with_contacts / with_notes: how many of those have contacts, or notes, deleted with them;
    skipped_self: whether the organizer was in the selection (they are kept).
    """

    people: int
    with_contacts: int
    with_notes: int
    skipped_self: bool

    @property
    def phrase(self) -> str:
        """What the organizer types to confirm: 'remove 12'."""
        return f"remove {self.people}"


def _removable(event: Event, actor: Attendee, selection: Selection):
    return query(event, selection).where(Attendee.id != actor.id)


def _removable_ids(event: Event, actor: Attendee, selection: Selection):
    removable = _removable(event, actor, selection).order_by(None).subquery()
    return db.select(removable.c.id)


def removal_plan(event: Event, actor: Attendee, selection: Selection) -> RemovalPlan:
    """Count what removing the selection would delete (nothing is changed)."""
    ids = _removable_ids(event, actor, selection)
    people = db.session.execute(db.select(func.count()).select_from(ids.subquery())).scalar_one()
    with_contacts = db.session.execute(db.select(func.count(func.distinct(Connection.owner_id))).where(
        Connection.owner_id.in_(ids))).scalar_one()
    with_notes = db.session.execute(db.select(func.count(func.distinct(Connection.owner_id))).where(
        Connection.owner_id.in_(ids), Connection.note != "")).scalar_one()
    in_selection = db.session.execute(query(event, selection).where(Attendee.id == actor.id).limit(1)).first()
    return RemovalPlan(people, with_contacts, with_notes, in_selection is not None)


def remove(event: Event, actor: Attendee, token: str, typed: str) -> int:
    """Remove the confirmed selection (never the organizer pressing it); returns how many. Commits.

    Checked in this order, each refusal removing nobody: the token (right page, recent), the
    count unchanged since the page, the typed phrase ("remove N"), the size limit. Each person goes
    as "delete my account" takes them (their notes, contacts, scans, pending mail), each with the
    usual per-person audit entry, and one entry for the whole removal.
    """
    selection, shown = verify(event, "remove", token)
    plan = removal_plan(event, actor, selection)
    if plan.people + (1 if plan.skipped_self else 0) != shown:
        raise BulkError("count_changed")
    if " ".join(str(typed or "").lower().split()) != plan.phrase:
        raise BulkError("not_typed")
    if plan.people > MAX_REMOVE:
        raise BulkError("too_many")
    ids = list(db.session.execute(_removable_ids(event, actor, selection)).scalars())
    entry = audit.record(event, actor, "attendees_removed", count=len(ids), who=selection.describe(len(ids)),
                         with_contacts=plan.with_contacts, with_notes=plan.with_notes)
    db.session.commit()
    removed = 0
    for attendee_id in ids:
        attendee = db.session.get(Attendee, attendee_id)
        if attendee is None:
            continue  # removed meanwhile (another organizer, or themselves)
        try:
            delete_account(attendee, CONFIRM_WORD, removed_by=db.session.get(Attendee, actor.id))
            removed += 1
        except AccountError:
            db.session.rollback()
    if removed != len(ids):
        entry = db.session.get(AuditLog, entry.id)
        entry.details = {**entry.details, "count": removed}
        db.session.commit()
    return removed


# ----------------------------------------------------------------------------- held mass emails

def hold(messages: list[OutboxMessage]) -> object:
    """Hold freshly queued rows until now + the hold window; returns when they may leave."""
    until = utcnow() + timedelta(seconds=hold_seconds())
    for message in messages:
        message.next_attempt_at = until
    return until


def cancel_held(event: Event, dedupe_prefix: str, reason: str) -> int:
    """Cancel this batch's rows that are still held (pending, never tried, not yet due); returns how many.

    One conditional UPDATE: a sender only claims rows whose next_attempt_at has come, and this only
    touches rows whose time has not, so no row is both sent and cancelled. The bodies of login
    emails hold a login link: blanked, as after sending.
    """
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.status == "pending", OutboxMessage.attempts == 0,
               OutboxMessage.next_attempt_at > now,
               OutboxMessage.dedupe_key.startswith(dedupe_prefix, autoescape=True))
        .values(status="cancelled", last_error=reason, text_body=SCRUBBED, html_body=SCRUBBED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
