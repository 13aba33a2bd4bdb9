"""The audit log: every organizer and administrator action, written with the change it records."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import and_, or_

from ..attendees.models import NAME_PARTS, Attendee, normalise_email
from ..events.models import Event
from ..extensions import db
from ..i18n.markers import N_
from .models import AuditLog

if TYPE_CHECKING:
    from flask_sqlalchemy.pagination import Pagination

    from ..auth.models import Administrator

PER_PAGE = 50
CLI_ACTOR = "command line"  # stored in English; the page translates it (actor)
ADMIN_SUFFIX = " (administrator)"

# action -> how the log page names it: stored as the key, translated where shown (describe)
ACTIONS = {
    "event_created": N_("Created the event"),
    "event_updated": N_("Changed the event's details"),
    "organizer_added": N_("Named an organizer"),
    "attendee_added": N_("Added an attendee"),
    "attendee_updated": N_("Edited an attendee"),
    "email_change_requested": N_("Asked an attendee to confirm a new email (sent to their current address)"),
    "email_change_confirmed": N_("The attendee confirmed their new email"),
    "email_changed_by_operator": N_("Changed an attendee's email on the server (command line)"),
    "attendee_removed": N_("Removed an attendee"),
    "csv_imported": N_("Imported a CSV file"),
    "badge_reissued": N_("Reissued a badge"),
    "helpdesk_login_link": N_("Showed a help-desk login link (attendee with no data yet)"),
    "helpdesk_login_emailed": N_("Emailed a help-desk login link to the attendee"),
    "sessions_ended": N_("Logged an attendee out on every device"),
    "login_emails_queued": N_("Sent login emails"),
    "login_emails_cancelled": N_("Cancelled login emails before they left"),
    "attendees_removed": N_("Removed attendees in bulk"),
    "attendees_exported": N_("Exported the attendee list"),
    "badges_printed": N_("Downloaded badges"),
    "digest_test_sent": N_("Sent a test digest to themselves"),
    "digest_started": N_("Started sending digests"),
    "digest_start_cancelled": N_("Cancelled digests before they left"),
    "digest_paused": N_("Paused digests"),
    "digest_resumed": N_("Resumed digests"),
    "digest_retried": N_("Retried failed digests"),
}

# A detail's key -> how the log page names it (translated where shown); other keys are shown as
# they are stored, with spaces for underscores.
DETAILS = {
    "name": N_("name"), "email": N_("email"), "role": N_("role"), "count": N_("count"), "who": N_("who"),
    "hours": N_("hours"), "minutes": N_("minutes"), "held_until": N_("held until"), "batch": N_("batch"),
    "format": N_("format"), "paper": N_("paper"), "created": N_("created"), "slug": N_("short address"),
    "filename": N_("file"), "old": N_("old"), "new": N_("new"), "to": N_("to"), "sample": N_("sample"),
    "queued": N_("queued"), "requeued": N_("queued again"), "with_contacts": N_("with contacts"),
    "with_notes": N_("with notes"), "updated": N_("updated"), "unchanged": N_("unchanged"),
    "skipped": N_("skipped"), "rejected": N_("rejected"),
}
# The fields of a "changed" detail: an attendee's (stored by their form name) and the event's
# (stored by their English label, organizer.settings.LABELS, and the look's and digest's).
FIELDS = {
    "name": N_("Name"), "email": N_("Email"), "company": N_("Company"), "headline": N_("Headline"),
    "role": N_("Role"), "name_prefix": N_("Title"), "given_name": N_("Given name"),
    "family_name": N_("Family name"), "name_suffix": N_("Suffix"),
    "Name": N_("Name"), "Venue": N_("Venue"), "Time zone": N_("Time zone"), "Starts": N_("Starts"),
    "Ends": N_("Ends"), "Scanning opens": N_("Scanning opens"), "Scanning closes": N_("Scanning closes"),
    "Default language": N_("Default language"), "Accent colour": N_("Accent colour"), "Logo": N_("Logo"),
    "digest_at": N_("Digest time"), "no_contacts": N_("Digest without contacts"),
    "reminder_days": N_("Reminder days"), "reply_to": N_("Reply-to address"),
}


def actor_label(actor: Attendee | Administrator | None) -> str:
    """How the log names who acted: an attendee's email, an administrator's, or the command line."""
    if actor is None:
        return CLI_ACTOR
    # An administrator is no attendee of any event (see organizer.admin): told apart by type,
    # without this package importing the console's models.
    return actor.email if isinstance(actor, Attendee) else f"{actor.email_key}{ADMIN_SUFFIX}"


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
    """The action's name as the log page shows it, in the reader's language."""
    label = ACTIONS.get(entry.action)
    return _(label) if label else entry.action


def who(entry: AuditLog) -> str | None:
    """Whom a mass action was for, in the reader's language when the entry kept its selection
    (confirmation.Selection.stored), else as stored."""
    details = entry.details or {}
    if isinstance(details.get("selection"), dict) and isinstance(details.get("count"), int):
        from ..confirmation import Selection  # here: the confirmation builds on the attendee finder

        try:
            return Selection.from_token(details["selection"]).describe(details["count"])
        except (TypeError, ValueError):
            pass  # an entry from before this shape: its words as stored
    return details.get("who")


def actor(entry: AuditLog) -> str:
    """Who acted, as the log page shows it: an address, "(administrator)" and "command line" translated."""
    if entry.actor == CLI_ACTOR:
        return _("command line")
    if entry.actor.endswith(ADMIN_SUFFIX):
        return _("%(email)s (administrator)", email=entry.actor.removesuffix(ADMIN_SUFFIX))
    return entry.actor


def _moment(stored: str) -> str:
    """A moment stored as ISO 8601 (UTC), as the page writes times: the reader's language, the event's zone."""
    from ..i18n.formats import event_timestamp  # here: i18n's formats read the request's event

    try:
        return event_timestamp(datetime.fromisoformat(stored))
    except ValueError:
        return stored


def _value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def details(entry: AuditLog) -> list[tuple[str, str]]:
    """An entry's details as the log page shows them, in the reader's language: (key, text) pairs.

    The stored details stay as written (English keys and labels, the people's own words); only
    their names are translated here. attendee_id is left out (it names nobody to a reader).
    """
    shown = []
    for key, value in (entry.details or {}).items():
        if key in ("attendee_id", "selection"):
            continue
        if key == "who":
            value = who(entry)
        elif key == "held_until" and isinstance(value, str):
            value = _moment(value)
        if key == "changed" and isinstance(value, dict):
            for field, pair in value.items():
                label = _(FIELDS[field]) if field in FIELDS else field
                if pair:
                    shown.append((key, _("%(field)s: “%(old)s” → “%(new)s”", field=label, old=_value(pair[0]),
                                         new=_value(pair[1]))))
                else:  # the person's own words, gone with them (pseudonymise)
                    shown.append((key, _("%(field)s changed", field=label)))
            continue
        label = _(DETAILS[key]) if key in DETAILS else key.replace("_", " ")
        shown.append((key, _("%(label)s: %(value)s", label=label, value=_value(value))))
    return shown


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
