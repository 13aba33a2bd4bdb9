"""Creating and updating attendees; the one path every import and form goes through."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..badges.tokens import new_badge_token, new_short_code
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from .models import ROLES, Attendee, normalise_email


@dataclass
class Upsert:
    attendee: Attendee
    created: bool


def find_by_email(event: Event, email: str) -> Attendee | None:
    """The attendee of an event with this address, compared case-insensitively."""
    return db.session.execute(
        db.select(Attendee).filter_by(event_id=event.id, email_key=normalise_email(email))
    ).scalar_one_or_none()


def _unused_short_code(event: Event) -> str:
    while True:
        code = new_short_code()
        taken = db.session.execute(db.select(Attendee.id).filter_by(event_id=event.id, short_code=code)).first()
        if not taken:
            return code


def upsert_attendee(
    event: Event,
    email: str,
    name: str,
    *,
    company: str | None = None,
    headline: str | None = None,
    role: str | None = None,
) -> Upsert:
    """Create the attendee for this email, or update the one that exists (email is the key).

    Fields given as None are left as they are on an update, so that re-importing a CSV without
    a company column does not wipe what people typed into their profiles. Does not commit.
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    attendee = find_by_email(event, email)
    if attendee is None:
        attendee = Attendee(
            event_id=event.id,
            email=email.strip(),
            email_key=normalise_email(email),
            name=name.strip(),
            company=(company or "").strip(),
            headline=(headline or "").strip(),
            role=role or "attendee",
            links=[],
            badge_token=new_badge_token(),
            short_code=_unused_short_code(event),
        )
        db.session.add(attendee)
        return Upsert(attendee, True)
    attendee.name = name.strip()
    attendee.email = email.strip()
    if company is not None:
        attendee.company = company.strip()
    if headline is not None:
        attendee.headline = headline.strip()
    if role is not None:
        attendee.role = role
    return Upsert(attendee, False)


def record_login(attendee: Attendee) -> None:
    attendee.last_login_at = utcnow()


__all__ = ["Upsert", "find_by_email", "upsert_attendee", "record_login", "IntegrityError"]


# Profiles: the form's data is checked in validation.py; this only stores it.
from .validation import ProfileData  # noqa: E402


def update_profile(attendee: Attendee, data: ProfileData) -> Attendee:
    """Store a validated profile and sharing choices (the login email stays as it is); commits."""
    for name in ("name", "headline", "company", "bio", "phone", "linkedin", "website",
                 "can_help_with", "looking_for"):
        setattr(attendee, name, getattr(data, name))
    # New lists, not in-place edits: a JSON column only notices a new value.
    attendee.links = [dict(link) for link in data.links]
    attendee.shared_fields = list(data.shared_fields)
    attendee.profile_updated_at = utcnow()
    db.session.commit()
    return attendee


__all__ += ["update_profile"]
