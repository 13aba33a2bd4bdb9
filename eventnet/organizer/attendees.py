"""The organizer's attendee work: the list with each one's status, add and edit by hand, remove,
help-desk actions, and login emails to everyone who has not logged in yet.

Invariant: an organizer never gets into the account of an attendee who has data of their own (a
connection in either direction; every note lives on one). Whoever holds such an attendee's login
link or code reads their private notes and contact list, so the help desk emails it to the
attendee's own address instead of showing it (helpdesk_login), and an edit cannot move their
login email to another address without the old address confirming (update_attendee). Only
someone with no data yet gets a link on screen, or an email change that applies at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from ..attendees import email_change
from ..attendees.finder import get_attendee_or_404, has_own_data  # noqa: F401  (views call people.get_attendee_or_404)
from ..attendees.models import NAME_PARTS, Attendee
from ..attendees.services import find_by_email, upsert_attendee
from ..auth.services import LoginLink, create_login_link, end_every_session, queue_login_email, token_minutes
from ..badges.services import reissue_badge
from ..database import utcnow
from ..errors import fail
from ..events.models import Event
from ..errors import DomainError
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import absolute_url, queue_email
from ..mydata.services import CONFIRM_WORD, AccountError, delete_account
from ..forms import FormInvalid
from ..i18n.selection import in_recipient_language
from ..audit import services as audit
from ..audit.models import AuditLog

INVITE_HOURS_DEFAULT = 72  # a login email sent the week before must still work on the day
# A help-desk link emailed to the person at the desk: time to find it in the inbox (or spam
# folder) on the phone, and short enough that a forwarded copy is soon worthless.
DESK_LINK_MINUTES = 60
LIMITS = {"email": 254, "name": 120, "name_prefix": 40, "given_name": 120, "family_name": 120, "name_suffix": 40,
          "company": 120, "headline": 160}
_FORM_FIELDS = (*LIMITS, "role")


class OrganizerError(DomainError):
    """An organizer action that cannot be done now (409); the message says why."""

    default_status = 409
    MESSAGES = {
        "remove_self": (409, _l("You cannot remove yourself here: another organizer can, or use “My data” to delete "
                                "your account.")),
        "last_organizer": (409, _l("This is the event's last organizer: make someone else an organizer first.")),
        "demote_self": (409, _l("You cannot change your own role: another organizer can.")),
        "nobody_to_invite": (409, _l("Everyone has logged in already: there is nobody to send a login email to.")),
    }


# ----------------------------------------------------------------------------- the list

# ----------------------------------------------------------------------------- add and edit

class AttendeeInvalid(FormInvalid):
    """The attendee form cannot be saved."""

    form_code = "invalid_attendee"


@dataclass
class AttendeeInput:
    """A checked attendee form (forms.AttendeeForm.attendee_input)."""

    email: str
    name: str
    company: str = ""
    headline: str = ""
    role: str = "attendee"
    name_prefix: str = ""
    given_name: str = ""
    family_name: str = ""
    name_suffix: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def form_values(attendee: Attendee | None) -> dict[str, str]:
    """The form's initial values: the attendee's, or empty for a new one."""
    if attendee is None:
        return {**dict.fromkeys(LIMITS, ""), "role": "attendee"}
    return {name: getattr(attendee, name) or "" for name in _FORM_FIELDS}


def add_attendee(event: Event, actor: Attendee, data: AttendeeInput) -> Attendee:
    """Add one attendee by hand; AttendeeInvalid if the email is taken in this event. Commits."""
    if find_by_email(event, data.email) is not None:
        raise AttendeeInvalid({"email": _("An attendee with this email exists already: find them in the list and edit them.")})
    attendee = upsert_attendee(event, data.email, data.name, company=data.company, headline=data.headline,
                               role=data.role, **{part: getattr(data, part) for part in NAME_PARTS}).attendee
    db.session.flush()
    audit.record(event, actor, "attendee_added", attendee_id=attendee.id, name=attendee.name, email=attendee.email,
                 role=attendee.role)
    db.session.commit()
    return attendee


@dataclass
class Updated:
    """What an edit did: saved at once, and an email change waiting for the old address, if any."""

    attendee: Attendee
    email_pending: str | None = None  # the new address, mailed to the current one for confirmation
    email_changed: bool = False  # applied at once (the attendee had no data of their own)


def update_attendee(event: Event, actor: Attendee, attendee: Attendee, data: AttendeeInput) -> Updated:
    """Change an attendee's name, company, headline or role at once, and their email by the rule below. Commits.

    Invariant: the login email of an attendee with data of their own (a connection either way)
    is never changed by this edit: a confirmation link goes to their current address instead
    (email_change.request_change), and the address changes only when it is confirmed from there.
    Someone with no data yet gets the new address at once, and their sessions end.
    """
    other = find_by_email(event, data.email)
    if other is not None and other.id != attendee.id:
        raise AttendeeInvalid({"email": _("Another attendee of this event has this email.")})
    if attendee.id == actor.id and data.role != attendee.role:
        raise AttendeeInvalid({"role": OrganizerError("demote_self").message})
    result = Updated(attendee)
    new_email = data.email if data.email != attendee.email else None
    if new_email is not None and has_own_data(attendee):
        email_change.request_change(event, actor, attendee, new_email)
        result.email_pending, new_email = new_email, None
    before = form_values(attendee)
    attendee.name, attendee.company, attendee.headline, attendee.role = data.name, data.company, data.headline, data.role
    for part in NAME_PARTS:
        setattr(attendee, part, getattr(data, part))
    after = {**form_values(attendee), "email": new_email or attendee.email}
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed or result.email_pending is None:
        audit.record(event, actor, "attendee_updated", attendee_id=attendee.id, name=attendee.name, changed=changed)
    if new_email is not None:
        # Commits; ends their sessions unless it is my own address (I am the one logged in).
        email_change.apply_without_data(attendee, new_email, end_sessions=attendee.id != actor.id)
        result.email_changed = True
    else:
        db.session.commit()
    return result


def remove_attendee(event: Event, actor: Attendee, attendee_id: int) -> str:
    """Delete an attendee with everything of theirs (as "delete my account" does); returns their name. Commits."""
    attendee = get_attendee_or_404(event, attendee_id)
    if attendee.id == actor.id:
        raise OrganizerError("remove_self")
    name = attendee.name
    try:
        # The organizer confirmed on our own page; the audit entry goes in with the deletion,
        # and like every other entry about this person it keeps a pseudonym, not the name.
        delete_account(attendee, CONFIRM_WORD, removed_by=actor)
    except AccountError as error:
        raise OrganizerError(error.code) from None
    return name


# ----------------------------------------------------------------------------- help desk

def reissue_attendee_badge(event: Event, actor: Attendee, attendee_id: int) -> Attendee:
    """Give an attendee of this event a new badge token (lost badge); the old QR stops working. Commits."""
    attendee = get_attendee_or_404(event, attendee_id)
    audit.record(event, actor, "badge_reissued", attendee_id=attendee.id, name=attendee.name)
    reissue_badge(attendee)  # commits, the audit entry with it
    return attendee


def end_attendee_sessions(event: Event, actor: Attendee, attendee_id: int) -> Attendee:
    """Log an attendee of this event out on every device (a phone lost or stolen). Commits."""
    attendee = get_attendee_or_404(event, attendee_id)
    audit.record(event, actor, "sessions_ended", attendee_id=attendee.id, name=attendee.name)
    end_every_session(attendee)  # commits, the audit entry with it
    return attendee


@dataclass
class DeskLogin:
    """What the help desk did for one attendee: a link shown on screen, or one emailed to them."""

    attendee: Attendee
    link: LoginLink | None  # only for someone with no data of their own yet
    emailed_to: str | None  # otherwise: the attendee's own address, where the link went
    minutes: int  # how long the emailed link works

    @property
    def emailed(self) -> bool:
        return self.emailed_to is not None


def helpdesk_login(event: Event, actor: Attendee, attendee_id: int) -> DeskLogin:
    """Log in an attendee at the help desk: the link on screen, or by email to them. Commits.

    Invariant: no login link or code of an attendee with data of their own (a connection in either
    direction, where every note lives) is ever shown to an organizer: it goes to the attendee's own
    address, and the page says so. Only someone with nothing of their own yet (typically a person
    whose email was mistyped on the list) gets the link and code on screen, to use right there.
    """
    attendee = get_attendee_or_404(event, attendee_id)
    if not has_own_data(attendee):
        link = create_login_link(attendee, origin="desk_screen")
        audit.record(event, actor, "helpdesk_login_link", attendee_id=attendee.id, name=attendee.name)
        db.session.commit()
        return DeskLogin(attendee, link, None, token_minutes())
    minutes = DESK_LINK_MINUTES
    link = create_login_link(attendee, minutes=minutes, origin="helpdesk")
    # In the attendee's language, not the organizer's (eventnet.i18n.selection.recipient_language).
    queue_login_email(attendee, link, minutes, desk=True)
    audit.record(event, actor, "helpdesk_login_emailed", attendee_id=attendee.id, name=attendee.name, minutes=minutes)
    db.session.commit()
    return DeskLogin(attendee, None, attendee.email, minutes)


# ----------------------------------------------------------------------------- login emails

def _invite_prefix(entry_id: int) -> str:
    return f"invite:{entry_id}:"


def never_logged_in_people(event: Event) -> list[Attendee]:
    """Everyone of the event who has never logged in, by id."""
    return list(db.session.execute(
        db.select(Attendee).where(Attendee.event_id == event.id, Attendee.last_login_at.is_(None)).order_by(Attendee.id)
    ).scalars())


def queue_login_emails(event: Event, actor: Attendee, people: list[Attendee] | None = None, who: str = "",
                       selection: dict | None = None) -> AuditLog:
    """Queue a login email (a one-time link valid for days) to each of `people` (default: everyone
    who never logged in), held for the cancel window (bulk.hold_seconds).

    One outbox row per person, keyed by this sending's audit entry, so that the progress page
    can count exactly this batch, cancel it while held, and a retried request cannot queue anyone
    twice. `who` says in the audit log whom it was for (in English), `selection` which they were
    (confirmation.Selection.stored). Commits.
    """
    from . import bulk  # bulk builds on this module

    people = never_logged_in_people(event) if people is None else people
    if not people:
        raise OrganizerError("nobody_to_invite")
    hours = int(current_app.config.get("INVITE_LINK_HOURS", INVITE_HOURS_DEFAULT))
    entry = audit.record(event, actor, "login_emails_queued", count=len(people), hours=hours,
                         who=who or f"the {len(people)} who never logged in",  # stored in English, like every detail
                         **({"selection": selection} if selection else {}))
    db.session.flush()
    login_page = absolute_url("auth.login", slug=event.slug)
    messages = []
    for person in people:
        link = create_login_link(person, minutes=hours * 60, origin="invitation")
        # In each person's language (their choice, else the event's), never the organizer's.
        with in_recipient_language(person, event):
            messages.append(queue_email(
                to=person.email,
                subject=_("Log in to %(event)s", event=event.name),
                template="organizer_invitation",
                context={"event": event, "attendee": person, "url": link.url, "hours": hours, "login_page": login_page},
                kind="login_link",  # scrubbed from the outbox once sent: it holds a login secret
                event_id=event.id,
                attendee_id=person.id,
                dedupe_key=f"{_invite_prefix(entry.id)}{person.id}",
            ))
    until = bulk.hold(messages)
    entry.details = {**entry.details, "held_until": until.isoformat()}
    db.session.commit()
    return entry


def cancel_login_emails(event: Event, actor: Attendee, entry_id: int) -> int:
    """Cancel a batch of login emails while it is held; returns how many were stopped. Commits.

    BulkError("window_over") once the hold has ended: by then the sender may be sending them.
    """
    from . import bulk

    progress = sending_progress(event, entry_id)
    if not progress.held:
        raise bulk.BulkError("window_over")
    cancelled = bulk.cancel_held(event, _invite_prefix(progress.entry.id), f"cancelled by {actor.email}")
    audit.record(event, actor, "login_emails_cancelled", count=cancelled, batch=progress.entry.id)
    db.session.commit()
    return cancelled


@dataclass
class SendingProgress:
    """Where one batch of login emails stands."""

    entry: AuditLog
    total: int
    counts: dict[str, int]

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    @property
    def waiting(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def cancelled(self) -> int:
        return self.counts.get("cancelled", 0)

    @property
    def done(self) -> bool:
        return self.waiting == 0

    @property
    def held_until(self) -> datetime | None:
        """Until when the batch is held (it can be cancelled till then); None for a batch never held."""
        value = (self.entry.details or {}).get("held_until")
        return datetime.fromisoformat(value) if value else None

    @property
    def held(self) -> bool:
        """Still in the cancel window, with emails waiting: nothing of it has left yet."""
        until = self.held_until
        return until is not None and utcnow() < until and self.counts.get("pending", 0) > 0

    @property
    def seconds_left(self) -> int:
        until = self.held_until
        return max(int((until - utcnow()).total_seconds()), 0) if until else 0


def sending_progress(event: Event, entry_id: int) -> SendingProgress:
    """Queued, sent and failed counts of one batch of login emails of this event; 404 for any other id."""
    entry = db.session.execute(
        db.select(AuditLog).filter_by(id=entry_id, event_id=event.id, action="login_emails_queued")
    ).scalar_one_or_none()
    if entry is None:
        fail(404, _("There is no such sending of login emails in this event."))
    prefix = _invite_prefix(entry.id)
    counts = dict(db.session.execute(
        db.select(OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.dedupe_key.startswith(prefix, autoescape=True))
        .group_by(OutboxMessage.status)
    ).all())
    return SendingProgress(entry, sum(counts.values()), counts)
