"""Deleting an attendee's account for an event, and what the "My data" page counts."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func

from ..attendees.models import Attendee, normalise_email
from ..auth.models import LoginToken
from ..badges.models import BadgeImage, RevokedBadge
from ..connections.models import Connection, Scan
from ..errors import DomainError
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import pseudonymise_recipient
from ..audit import services as audit
from ..attendees.importer.uploads import pseudonymise_reports
from ..photos.models import ProfilePhoto
from ..promises.models import Promise

CONFIRM_WORD = "DELETE"
CONFIRM_MAX = 254

class AccountError(DomainError):
    """An account deletion that cannot happen; the message says what to do."""

    MESSAGES = {
        "not_confirmed": (422, _l("Type %(word)s or your email address to confirm.", word=CONFIRM_WORD)),
        "last_organizer": (409, _l("You are the last organizer of this event, so your account cannot be deleted yet: "
                                "make someone else an organizer first (import them again with the role organizer).")),
    }


@dataclass
class DataSummary:
    """How much the "My data" page says is stored about and by the attendee."""

    contacts: int
    notes: int
    scans: int
    last_organizer: bool


def is_last_organizer(attendee: Attendee, lock: bool = False) -> bool:
    """True when attendee is an organizer and no other organizer of the event remains."""
    if not attendee.is_organizer:
        return False
    query = db.select(Attendee.id).where(Attendee.event_id == attendee.event_id, Attendee.role == "organizer")
    if lock:
        # PostgreSQL: two organizers deleting themselves at once must not both see "another remains".
        query = query.with_for_update()
    return db.session.execute(query).scalars().all() == [attendee.id]


def summary(attendee: Attendee) -> DataSummary:
    """Counts for the "My data" page: contacts, notes written, scans made."""
    contacts, notes = db.session.execute(
        db.select(func.count(Connection.id), func.count(Connection.note_updated_at)).where(Connection.owner_id == attendee.id)
    ).one()
    scans = db.session.execute(db.select(func.count(Scan.id)).where(Scan.scanner_id == attendee.id)).scalar_one()
    return DataSummary(contacts=contacts, notes=notes, scans=scans, last_organizer=is_last_organizer(attendee))


def confirmation_matches(attendee: Attendee, typed: str) -> bool:
    """The person typed DELETE (any case) or their own email address."""
    typed = (typed or "").strip()[:CONFIRM_MAX]
    return typed.upper() == CONFIRM_WORD or (bool(typed) and normalise_email(typed) == attendee.email_key)


def _take_write_lock() -> None:
    # SQLite: take the write lock before the organizer check, so that the check and the
    # deletion cannot interleave with another organizer's deletion.
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def pseudonym(attendee: Attendee) -> str:
    """What records keep of a deleted attendee: "Deleted attendee 3f9a2c".

    The same in every record of theirs, so the audit log still tells one person's entries
    apart from another's; made from the secret key and their id, never from their name or
    address, so it cannot be turned back into either.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"deleted-attendee:{attendee.id}".encode(), hashlib.sha256).hexdigest()
    return f"Deleted attendee {digest[:6]}"


def delete_account(attendee: Attendee, typed_confirmation: str, removed_by: Attendee | None = None) -> str:
    """Delete the attendee with their profile and photo, notes (their connection rows), promises, scans
    and login tokens.

    Other attendees keep their own connection rows: the database sets their contact_id to NULL
    (ON DELETE SET NULL), so they see "a deleted attendee" with their own note and none of the
    deleted person's details. Records that stay (the audit log, stored import reports, sent
    mail in the outbox) keep a pseudonym instead of their name and address, in the same
    transaction. `removed_by`: the organizer removing them, audit-logged with it. Returns the
    pseudonym. Raises AccountError. Commits.
    """
    if not confirmation_matches(attendee, typed_confirmation):
        raise AccountError("not_confirmed")
    db.session.rollback()  # start clean so the write lock is the transaction's first statement
    _take_write_lock()
    attendee = db.session.get(Attendee, attendee.id, populate_existing=True)
    if is_last_organizer(attendee, lock=True):
        db.session.rollback()
        raise AccountError("last_organizer")
    me = attendee.id
    tokens = [attendee.badge_token] + list(
        db.session.execute(db.select(RevokedBadge.badge_token).where(RevokedBadge.attendee_id == me)).scalars()
    )
    db.session.execute(delete(Scan).where(Scan.scanner_id == me))
    db.session.execute(delete(Promise).where(Promise.owner_id == me))
    db.session.execute(delete(Connection).where(Connection.owner_id == me))
    db.session.execute(delete(LoginToken).where(LoginToken.attendee_id == me))
    # The database would cascade it too; said here so that the list of what goes is complete.
    db.session.execute(delete(ProfilePhoto).where(ProfilePhoto.attendee_id == me))
    db.session.execute(delete(RevokedBadge).where(RevokedBadge.attendee_id == me))
    db.session.execute(delete(BadgeImage).where(BadgeImage.badge_token.in_(tokens)))
    # Mail to me that has not gone out (a login link, my digest) holds my address and contacts.
    # A message a sender is handing to SMTP right now is left to finish; its attendee_id goes NULL.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.attendee_id == me, OutboxMessage.status != "sending"))
    label = pseudonym(attendee)
    if removed_by is not None:
        audit.record(attendee.event, db.session.get(Attendee, removed_by.id), "attendee_removed",
                     attendee_id=me, name=label)
    audit.pseudonymise(attendee, label)
    pseudonymise_reports(attendee, label)
    pseudonymise_recipient(attendee, label)
    db.session.flush()  # the rewrites above, before the row they read from goes
    db.session.execute(delete(Attendee).where(Attendee.id == me))
    db.session.commit()
    return label
