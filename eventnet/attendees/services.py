"""Creating and updating attendees; the one path every import and form goes through."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from ..badges.tokens import new_badge_token, new_short_code
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from .models import NAME_PARTS, ROLES, Attendee, normalise_email


@dataclass
class Upsert:
    attendee: Attendee
    created: bool


def find_by_email(event: Event, email: str) -> Attendee | None:
    """The attendee of an event with this address, compared case-insensitively."""
    return db.session.execute(
        db.select(Attendee).filter_by(event_id=event.id, email_key=normalise_email(email))
    ).scalar_one_or_none()


def _unused_short_code(event: Event, taken: set[str] | None = None) -> str:
    """A short code no attendee of the event has; with `taken` (all codes in use), drawn against that set."""
    while True:
        code = new_short_code()
        if taken is not None:
            if code not in taken:
                taken.add(code)
                return code
        elif not db.session.execute(db.select(Attendee.id).filter_by(event_id=event.id, short_code=code)).first():
            return code


def upsert_attendee(
    event: Event,
    email: str,
    name: str,
    *,
    company: str | None = None,
    headline: str | None = None,
    role: str | None = None,
    name_prefix: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    name_suffix: str | None = None,
) -> Upsert:
    """Create the attendee for this email, or update the one that exists (email is the key).

    Fields given as None are left as they are on an update, so that re-importing a CSV without
    a company column does not wipe what people typed into their profiles (the name parts too,
    unless the name itself changes: see _updated_values). Does not commit.
    """
    person = AttendeeFields(email, name, company=company, headline=headline, role=role, name_prefix=name_prefix,
                            given_name=given_name, family_name=family_name, name_suffix=name_suffix)
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    attendee = find_by_email(event, email)
    if attendee is None:
        attendee = Attendee(
            event_id=event.id,
            **_new_values(person),
            links=[],
            badge_token=new_badge_token(),
            short_code=_unused_short_code(event),
        )
        db.session.add(attendee)
        return Upsert(attendee, True)
    stored = {column: getattr(attendee, column) for column in _UPSERT_COLUMNS}
    for column, value in _updated_values(stored, person).items():
        setattr(attendee, column, value)
    return Upsert(attendee, False)


def _new_values(person: AttendeeFields) -> dict:
    # Shared by upsert_attendee and upsert_attendees so that both store exactly the same values.
    return {
        "email": person.email.strip(),
        "email_key": normalise_email(person.email),
        "name": person.name.strip(),
        "company": (person.company or "").strip(),
        "headline": (person.headline or "").strip(),
        "role": person.role or "attendee",
        **{part: (getattr(person, part) or "").strip() for part in NAME_PARTS},
    }


def _updated_values(stored: dict, person: AttendeeFields) -> dict:
    """The columns to set on an attendee whose values are `stored`; None means "not given", kept.

    Name parts that the file does not give are kept while the name stays the same, and emptied
    when the name changes: they described the old name, and a vCard built from them would
    contradict the new one.
    """
    values = {"name": person.name.strip(), "email": person.email.strip()}
    if person.company is not None:
        values["company"] = person.company.strip()
    if person.headline is not None:
        values["headline"] = person.headline.strip()
    if person.role is not None:
        values["role"] = person.role
    parts = {part: getattr(person, part) for part in NAME_PARTS}
    if all(value is None for value in parts.values()) and values["name"] != stored.get("name"):
        parts = dict.fromkeys(NAME_PARTS, "")
    values.update({part: value.strip() for part, value in parts.items() if value is not None})
    return values


@dataclass(frozen=True)
class AttendeeFields:
    """One person to create or update, with upsert_attendee's meaning of None."""

    email: str
    name: str
    company: str | None = None
    headline: str | None = None
    role: str | None = None
    name_prefix: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None


# The columns an upsert can change: read for every attendee of the event in one query.
_UPSERT_COLUMNS = ("email", "name", "company", "headline", "role", *NAME_PARTS)
_CHUNK = 1000  # rows per INSERT/UPDATE batch: bounded statements and memory on any database


def email_keys(event: Event) -> set[str]:
    """The email keys of every attendee of an event, in one query."""
    return set(db.session.execute(db.select(Attendee.email_key).filter_by(event_id=event.id)).scalars())


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def upsert_attendees(event: Event, people: Sequence[AttendeeFields], dry_run: bool = False) -> list[str]:
    """upsert_attendee for many people at once, in a few statements; the outcome of each person in order.

    Each outcome is CREATED, UPDATED (a stored value changed) or UNCHANGED (the row holds what
    is stored already; nothing is written for it, so its updated_at stays). Same result as
    calling upsert_attendee for each in order (a repeated email updates the earlier one), but
    reads the event's attendees and short codes once and writes in batches. With dry_run, only
    the outcomes: nothing is written. Does not commit.
    """
    for person in people:
        if person.role is not None and person.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
    stored: dict[str, dict] = {}
    codes: set[str] = set()
    columns = [getattr(Attendee, c) for c in _UPSERT_COLUMNS]
    for row in db.session.execute(
        db.select(Attendee.id, Attendee.email_key, Attendee.short_code, *columns).filter_by(event_id=event.id)
    ):
        stored[row.email_key] = {"id": row.id, **{c: getattr(row, c) for c in _UPSERT_COLUMNS}}
        codes.add(row.short_code)
    original = {key: dict(values) for key, values in stored.items()}
    new: dict[str, dict] = {}
    outcomes: list[str] = []
    # One timestamp for the whole batch: it is one transaction, and a callable default per
    # row costs more than the insert itself.
    now = utcnow()
    for person in people:
        key = normalise_email(person.email)
        current = stored.get(key) or new.get(key)
        if current is None:
            new[key] = {
                "event_id": event.id,
                **_new_values(person),
                "links": [],
                "badge_token": "" if dry_run else new_badge_token(),
                "short_code": "" if dry_run else _unused_short_code(event, codes),
                "created_at": now,
                "updated_at": now,
            }
            outcomes.append(CREATED)
        else:
            before = dict(current)
            current.update(_updated_values(current, person))
            outcomes.append(UPDATED if current != before else UNCHANGED)
    if dry_run:
        return outcomes
    changed = [
        {**values, "updated_at": now} for key, values in stored.items() if values != original[key]
    ]
    inserts = list(new.values())
    for start in range(0, len(changed), _CHUNK):
        db.session.execute(update(Attendee), changed[start:start + _CHUNK])
    if changed:
        # Bulk UPDATE bypasses loaded objects: expire those so they read the new values.
        ids = {values["id"] for values in changed}
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Attendee) and obj.id in ids:
                db.session.expire(obj)
    for start in range(0, len(inserts), _CHUNK):
        db.session.execute(insert(Attendee.__table__), inserts[start:start + _CHUNK])
    return outcomes


def record_login(attendee: Attendee) -> None:
    attendee.last_login_at = utcnow()


__all__ = ["Upsert", "AttendeeFields", "find_by_email", "email_keys", "upsert_attendee", "upsert_attendees",
           "CREATED", "UPDATED", "UNCHANGED", "record_login", "IntegrityError"]


# Profiles: the form's data is checked by forms.ProfileForm; this only stores it.

@dataclass
class ProfileData:
    """A validated, normalised profile, ready to be stored (ProfileForm.profile_data()).

    links: [{label, url}] with checked http(s) URLs; shared_fields: names from SHAREABLE_FIELDS.
    """

    name: str
    name_prefix: str = ""
    given_name: str = ""
    family_name: str = ""
    name_suffix: str = ""
    headline: str = ""
    company: str = ""
    bio: str = ""
    phone: str = ""
    linkedin: str = ""
    website: str = ""
    links: list[dict] = field(default_factory=list)
    can_help_with: str = ""
    looking_for: str = ""
    shared_fields: list[str] = field(default_factory=list)


def update_profile(attendee: Attendee, data: ProfileData) -> Attendee:
    """Store a validated profile and sharing choices (the login email stays as it is); commits."""
    for name in ("name", *NAME_PARTS, "headline", "company", "bio", "phone", "linkedin", "website",
                 "can_help_with", "looking_for"):
        setattr(attendee, name, getattr(data, name))
    # New lists, not in-place edits: a JSON column only notices a new value.
    attendee.links = [dict(link) for link in data.links]
    attendee.shared_fields = list(data.shared_fields)
    attendee.profile_updated_at = utcnow()
    db.session.commit()
    return attendee


__all__ += ["ProfileData", "update_profile"]
