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

from flask_babel import gettext as _
from sqlalchemy import func, update

from ..attendees.models import Attendee
from ..audit import services as audit
from ..audit.models import AuditLog
from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.outbox import SCRUBBED
from ..mydata.services import CONFIRM_WORD, AccountError, delete_account
from ..attendees.finder import contact_counts, matching
# The confirmation machinery is shared with the digests' "start now"; its names stay importable here.
from ..confirmation import (  # noqa: F401
    CONFIRM_MAX_AGE, HOLD_DEFAULT, MAX_IDS, MAX_REMOVE, BulkError, Selection, hold_seconds, sign, verify,
)

ACTIONS = ("email", "badges", "export_csv", "export_xlsx", "remove")


# ----------------------------------------------------------------------------- who

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
        """What the organizer types to confirm, in their language: 'remove 12', 'entfernen 12'."""
        return _("remove %(num)d", num=self.people)

    @property
    def phrases(self) -> set[str]:
        """Every phrase that confirms: the page's, and the English one (whatever language the page was in)."""
        return {" ".join(self.phrase.lower().split()), f"remove {self.people}"}


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
    if " ".join(str(typed or "").lower().split()) not in plan.phrases:
        raise BulkError("not_typed")
    if plan.people > MAX_REMOVE:
        raise BulkError("too_many")
    ids = list(db.session.execute(_removable_ids(event, actor, selection)).scalars())
    entry = audit.record(event, actor, "attendees_removed", count=len(ids), **selection.stored(len(ids)),
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
