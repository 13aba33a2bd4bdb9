"""Changing the address an attendee logs in with, without ever handing their account to someone else.

Invariant: the login email of an attendee with data of their own (a connection in either
direction, where every note lives) changes only when the old address confirms it, or when the
server's operator changes it on the command line. An organizer's edit alone never moves such an
account: whoever reads the new address's mail could log in and read the notes and contacts. So
`request_change` mails a signed link to the current address, and `confirm_change` applies it
only while the address is still the old one and the new one is free in the event.
`change_by_operator` is for someone who lost access to their old address: the operator holds
the database anyway, so it grants nothing new, and it ends every session of the account.

The link is signed, not stored (itsdangerous, its own salt): it names the attendee, the old
address's key and the new address, and works for three days.
"""
from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ..auth.services import end_every_session
from ..events.models import Event
from ..errors import DomainError
from ..extensions import db
from ..i18n.selection import in_recipient_language
from ..mail.services import absolute_url, queue_email
from ..audit import services as audit
from .models import Attendee, normalise_email
from flask_babel import lazy_gettext as _l  # isort: skip  (apart from i18n-mail's gettext import, so the branches merge cleanly)
from .services import find_by_email

SALT = "eventnet.attendees.email-change"
VALID_DAYS = 3
MAX_AGE = VALID_DAYS * 24 * 60 * 60
TOKEN_MAX = 1200  # the payload holds an address of up to 254 characters
EMAIL_MAX = 254
KIND = "email_change"  # its own outbox kind, blanked once sent like login links (mail.services)


class EmailChangeError(DomainError):
    """A change that cannot be made; the message says why (statuses below)."""

    MESSAGES = {
        "invalid": (404, _l("This confirmation link is not one we made, or it was copied incompletely. "
                         "Open the whole link from the email.")),
        "expired": (410, _l("This confirmation link has expired: it works for %(days)s days. Nothing was changed; "
                            "ask the organizers to send a new one if you still want the change.", days=VALID_DAYS)),
        "stale": (409, _l("Your email was changed since this link was sent (perhaps by this very link), so it no "
                       "longer applies. Nothing was changed now.")),
        "taken": (409, _l("Another attendee of this event has that address now, so it cannot become yours. "
                       "Nothing was changed.")),
        "not_an_address": (400, _l("That is not an email address.")),
        "same": (400, _l("That is the attendee's address already.")),
    }

    def __init__(self, code: str, detail: str | None = None):
        message = self.MESSAGES[code][1]
        super().__init__(code, f"{message} {detail}" if detail else message)


@dataclass(frozen=True)
class EmailChange:
    """An email change a confirmation link stands for."""

    attendee: Attendee
    old_email: str
    new_email: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(attendee: Attendee, new_email: str) -> str:
    """A signed token for changing `attendee`'s address to `new_email`, valid while the old one stands."""
    return _serializer().dumps({"a": attendee.id, "old": attendee.email_key, "new": new_email})


def _taken(event: Event, attendee: Attendee, email: str) -> bool:
    other = find_by_email(event, email)
    return other is not None and other.id != attendee.id


def read_change(event: Event, token: str) -> EmailChange:
    """The change a confirmation link asks for, if it can still be made; EmailChangeError otherwise. Changes nothing."""
    if not isinstance(token, str) or len(token) > TOKEN_MAX:
        raise EmailChangeError("invalid")
    try:
        payload = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        raise EmailChangeError("expired") from None
    except BadSignature:
        raise EmailChangeError("invalid") from None
    if not (isinstance(payload, dict) and isinstance(payload.get("a"), int) and isinstance(payload.get("old"), str)
            and isinstance(payload.get("new"), str)):
        raise EmailChangeError("invalid")
    attendee = db.session.get(Attendee, payload["a"])
    if attendee is None or attendee.event_id != event.id:
        raise EmailChangeError("invalid")
    # Invariant (see the module): applied only while the address that received the link is the current one.
    if attendee.email_key != payload["old"]:
        raise EmailChangeError("stale")
    if _taken(event, attendee, payload["new"]):
        raise EmailChangeError("taken")
    return EmailChange(attendee, attendee.email, payload["new"])


def request_change(event: Event, actor: Attendee, attendee: Attendee, new_email: str) -> None:
    """Mail a confirmation link for a new address to the attendee's current one; nothing changes yet.

    Audit-logged; the caller commits (with the edit's other fields, which save at once).
    """
    url = absolute_url("attendees.confirm_email_change", slug=event.slug, token=make_token(attendee, new_email))
    # In the attendee's language, not the organizer's who asked (eventnet.i18n.selection).
    with in_recipient_language(attendee, event):
        queue_email(
            to=attendee.email,
            subject=_("Confirm the new email you log in to %(event)s with", event=event.name),
            template="email_change",
            context={"event": event, "attendee": attendee, "new_email": new_email, "url": url, "days": VALID_DAYS},
            kind=KIND,
            event_id=event.id,
            attendee_id=attendee.id,
        )
    audit.record(event, actor, "email_change_requested", attendee_id=attendee.id, name=attendee.name,
                 old=attendee.email, new=new_email)


def _apply(attendee: Attendee, new_email: str) -> None:
    attendee.email, attendee.email_key = new_email, normalise_email(new_email)


def confirm_change(event: Event, token: str) -> EmailChange:
    """Apply the change a confirmation link asks for (the POST of its page). Audit-logged; commits."""
    change = read_change(event, token)
    attendee = change.attendee
    # Recorded before the change, so the entry's actor is the address that confirmed.
    audit.record(event, attendee, "email_change_confirmed", attendee_id=attendee.id, name=attendee.name,
                 old=change.old_email, new=change.new_email)
    _apply(attendee, change.new_email)
    try:
        db.session.commit()
    except IntegrityError:
        # Someone took the address between the check and the commit (unique per event).
        db.session.rollback()
        raise EmailChangeError("taken") from None
    return change


def apply_without_data(attendee: Attendee, new_email: str, *, end_sessions: bool = True) -> None:
    """Change the address of an attendee who has no data of their own yet, and end their sessions.

    Sessions opened under the old address end, so that pointing someone's address away and back
    again leaves nobody logged in to what the attendee does next (end_sessions=False only for
    one's own address). The caller checks for data and audit-logs it; commits.
    """
    _apply(attendee, new_email)
    if end_sessions:
        end_every_session(attendee)  # commits
    else:
        db.session.commit()


def clean_address(raw: str) -> str:
    """A typed address checked as the attendee form checks it; EmailChangeError("not_an_address") otherwise."""
    email = " ".join(str(raw or "").split())
    if not email or len(email) > EMAIL_MAX:
        raise EmailChangeError("not_an_address")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise EmailChangeError("not_an_address", str(exc)) from None
    return email


def change_by_operator(event: Event, attendee: Attendee, new_email: str) -> str:
    """The operator's change for someone who lost access to their old address; returns the old one.

    Ends every session of the attendee and kills their unused login links; audit-logged with the
    command line as the actor. Commits.
    """
    new_email = clean_address(new_email)
    if new_email == attendee.email:
        raise EmailChangeError("same")
    if _taken(event, attendee, new_email):
        raise EmailChangeError("taken")
    old = attendee.email
    audit.record(event, None, "email_changed_by_operator", attendee_id=attendee.id, name=attendee.name,
                 old=old, new=new_email)
    _apply(attendee, new_email)
    try:
        end_every_session(attendee)  # commits, the audit entry with it
    except IntegrityError:
        db.session.rollback()
        raise EmailChangeError("taken") from None
    return old
