"""The audit log: every organizer and administrator action, written with the change it records."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, or_

from ..attendees.models import NAME_PARTS, Attendee, normalise_email
from ..events.models import Event
from ..extensions import db
from .models import AuditLog

if TYPE_CHECKING:
    from flask_sqlalchemy.pagination import Pagination

    from ..auth.models import Administrator

PER_PAGE = 50
CLI_ACTOR = "command line"

# action -> how the log page names it
ACTIONS = {
    "event_created": "Created the event",
    "event_updated": "Changed the event's details",
    "organizer_added": "Named an organizer",
    "attendee_added": "Added an attendee",
    "attendee_updated": "Edited an attendee",
    "email_change_requested": "Asked an attendee to confirm a new email (sent to their current address)",
    "email_change_confirmed": "The attendee confirmed their new email",
    "email_changed_by_operator": "Changed an attendee's email on the server (command line)",
    "attendee_removed": "Removed an attendee",
    "csv_imported": "Imported a CSV file",
    "badge_reissued": "Reissued a badge",
    "helpdesk_login_link": "Showed a help-desk login link (attendee with no data yet)",
    "helpdesk_login_emailed": "Emailed a help-desk login link to the attendee",
    "sessions_ended": "Logged an attendee out on every device",
    "login_emails_queued": "Sent login emails",
    "login_emails_cancelled": "Cancelled login emails before they left",
    "attendees_removed": "Removed attendees in bulk",
    "attendees_exported": "Exported the attendee list",
    "badges_printed": "Downloaded badges",
    "digest_test_sent": "Sent a test digest to themselves",
    "digest_started": "Started sending digests",
    "digest_start_cancelled": "Cancelled digests before they left",
    "digest_paused": "Paused digests",
    "digest_resumed": "Resumed digests",
    "digest_retried": "Retried failed digests",
}


def actor_label(actor: Attendee | Administrator | None) -> str:
    """How the log names who acted: an attendee's email, an administrator's, or the command line."""
    if actor is None:
        return CLI_ACTOR
    # An administrator is no attendee of any event (see organizer.admin): told apart by type,
    # without this package importing the console's models.
    return actor.email if isinstance(actor, Attendee) else f"{actor.email_key} (administrator)"


def record(event: Event | None, actor: Attendee | Administrator | None, action: str, **details) -> AuditLog:
    """Add an audit entry to the current transaction (the caller commits it with the change).

    `actor` is the organizer (an Attendee), an administrator, or None for the command line.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditLog(
        event_id=event.id if event is not None else None,
        actor_id=actor.id if isinstance(actor, Attendee) else None,
        actor=actor_label(actor),
        action=action,
        details=details,
    )
    db.session.add(entry)
    return entry


def audit_page(event: Event, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """The event's audit entries, newest first, one page of them (a page past the last shows the
    last; Flask-SQLAlchemy's Pagination: items, total, page, pages, has_prev, has_next)."""
    query = (db.select(AuditLog).where(AuditLog.event_id == event.id)
             .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()))
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.page > 1 and result.page > result.pages:  # an old link after entries went away
        result = db.paginate(query, page=max(result.pages, 1), per_page=per_page, error_out=False)
    return result


def describe(entry: AuditLog) -> str:
    """The action's name as the log page shows it."""
    return ACTIONS.get(entry.action, entry.action)


# What an entry about a person says of them that identifies them; a changed role stays.
IDENTIFYING_CHANGES = ("email", "name", *NAME_PARTS, "company", "headline")


def pseudonymise(attendee: Attendee, label: str) -> None:
    """Replace a deleted attendee's name and email in the audit log by `label` (the caller commits).

    The entries stay, and read as before with the label for the person: who did something
    (`actor`, when they were an organizer), and what was done to them (entries whose
    details name their attendee_id). Their address is dropped wherever it stood.
    """
    email_key = attendee.email_key
    entries = db.session.execute(
        db.select(AuditLog).where(or_(
            AuditLog.actor_id == attendee.id,
            and_(AuditLog.event_id == attendee.event_id, AuditLog.details["attendee_id"].as_integer() == attendee.id),
        ))
    ).scalars()
    for entry in entries:
        if entry.actor_id == attendee.id:
            entry.actor = label
        details = dict(entry.details or {})
        if details.get("attendee_id") == attendee.id:
            had_address = details.pop("email", None) is not None
            if "name" in details:
                details["name"] = label
            elif had_address:  # only the address said who: the label goes first, as a name would
                details = {"name": label, **details}
            if isinstance(details.get("changed"), dict):
                details["changed"] = {
                    field: None if field in IDENTIFYING_CHANGES else pair for field, pair in details["changed"].items()
                }
        # Their address anywhere else, e.g. the `to` of a test digest an organizer sent themselves.
        # A new dict: the JSON column sees a change only on assignment.
        entry.details = {key: label if isinstance(value, str) and normalise_email(value) == email_key else value
                         for key, value in details.items()}
