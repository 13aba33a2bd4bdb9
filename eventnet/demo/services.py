"""Seeding the demo event: every step updates what exists and creates what is missing."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..attendees.models import SHARED_BY_DEFAULT, Attendee
from ..connections.models import NOTE_PARTS
from ..connections.services import connection_between, record_scan
from ..attendees.services import upsert_attendee
from ..database import utcnow
from ..events.models import Event
from ..events.services import create_event
from ..extensions import db
from ..introductions import services as introductions
from ..introductions.models import Introduction
from ..meet.services import set_open
from ..promises.services import track
from . import data

DEMO_NAMESPACE = uuid.UUID("6f1d2c1e-3f55-4a8e-9a57-0d1c4e2b7a10")
PROFILE_FIELDS = ("bio", "linkedin", "website", "phone", "can_help_with", "looking_for")


@dataclass
class DemoSeed:
    """What a seed run left behind: the event, its people by email, and what it created."""

    event: Event
    people: dict[str, Attendee] = field(default_factory=dict)
    event_created: bool = False
    created: int = 0
    updated: int = 0
    suggested: dict[str, bool] = field(default_factory=dict)


def demo_times(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """A demo that is always running: from a few hours ago until tomorrow evening, local time."""
    local_now = now.astimezone(ZoneInfo(timezone))
    starts = (local_now - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    ends = (local_now + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    return starts, ends


def seed_event(now: datetime) -> tuple[Event, bool]:
    """Create the demo event, or move the existing one so that it runs now again."""
    starts, ends = demo_times(now, data.EVENT["timezone"])
    event = db.session.execute(db.select(Event).filter_by(slug=data.EVENT["slug"])).scalar_one_or_none()
    if event is None:
        return create_event(data.EVENT["slug"], data.EVENT["name"], starts, ends, data.EVENT["timezone"], data.EVENT["venue"]), True
    event.name, event.timezone, event.venue = data.EVENT["name"], data.EVENT["timezone"], data.EVENT["venue"]
    event.starts_at, event.ends_at = starts, ends
    event.scan_opens_at = event.scan_closes_at = None
    return event, False


def seed_people(seed: DemoSeed, now: datetime) -> None:
    """Update-or-create every demo person by email, profile and sharing choices included."""
    for person in data.PEOPLE:
        result = upsert_attendee(
            seed.event, person["email"], person["name"],
            company=person["company"], headline=person["headline"], role=person.get("role", "attendee"),
        )
        attendee = result.attendee
        for name in PROFILE_FIELDS:
            setattr(attendee, name, person.get(name, ""))
        attendee.links = [dict(link) for link in person.get("links", ())]
        attendee.shared_fields = sorted(person.get("share", SHARED_BY_DEFAULT))
        # People to meet: whoever shares their topics chose to be suggested too, so that the
        # home page of every demo person has someone to seek out.
        seed.suggested[attendee.email_key] = person.get("suggest", "topics" in attendee.shared_fields)
        # A filled profile is one the person saved; the three without a bio have not, yet.
        filled = bool(person.get("bio"))
        if not filled:
            attendee.profile_updated_at = None
        elif attendee.profile_updated_at is None:
            attendee.profile_updated_at = now - timedelta(hours=2)
        seed.people[attendee.email_key] = attendee
        if result.created:
            seed.created += 1
        else:
            seed.updated += 1
        db.session.flush()


def seed_connections(seed: DemoSeed, now: datetime) -> None:
    """Exchange cards between demo people, through the same path a scan takes, with notes.

    Each exchange has a fixed client UUID derived from the two addresses, so a second seed run
    is a replay that changes nothing; the notes are put back to their seed text, and the seed's
    promises are tracked once.
    """
    for index, exchange in enumerate(data.EXCHANGES):
        scanner, scanned = seed.people[exchange["scanner"]], seed.people[exchange["scanned"]]
        scan_uuid = uuid.uuid5(DEMO_NAMESPACE, f"{scanner.email_key}->{scanned.email_key}")
        result = record_scan(scanner, scanned.badge_token, str(scan_uuid))
        mine, theirs = result.connection, connection_between(scanned, scanner)
        # Spread the exchanges over the morning so the contact book and dashboard look lived in.
        met = now - timedelta(minutes=25 * (len(data.EXCHANGES) - index))
        for side in (mine, theirs):
            if side is not None and result.created:
                side.created_at = met
        mine.note, mine.tags = exchange["note"], list(exchange["tags"])
        mine.starred, mine.intent = exchange["starred"], exchange["intent"]
        for part in NOTE_PARTS:
            setattr(mine, part, exchange.get(part, ""))
        mine.note_updated_at = met
        mine.keep_in_touch_at = met if exchange.get("keep_in_touch") else None
        ends_on = event_end_day(seed.event)
        if exchange.get("followup_done") and mine.followup_done_at is None:
            mine.followup_done_at = met
        for text, due_in, *state in exchange.get("promises", ()):
            # track() adds each text once: a second seed run adds nothing.
            promise = track(mine, text, ends_on + timedelta(days=due_in) if due_in is not None else None, commit=False)
            if promise is not None and state == ["done"]:
                promise.done_at = met
        db.session.commit()


def seed_card_control(seed: DemoSeed, now: datetime) -> None:
    """The demo attendee's card, per person: one narrowed copy, one taken back, an expiry.

    Written on the holders' rows toward the attendee, as the "Who has my card" page writes them.
    """
    me = seed.people[data.ATTENDEE_EMAIL]
    me.card_expiry_months = data.CARD_EXPIRY_MONTHS
    for email, fields in data.CARD_NARROWED.items():
        copy = connection_between(seed.people[email], me)
        if copy is not None:
            copy.card_fields = list(fields)
    for email in data.CARD_TAKEN_BACK:
        copy = connection_between(seed.people[email], me)
        if copy is not None and copy.card_revoked_at is None:
            copy.card_revoked_at = now
    db.session.commit()


def event_end_day(event: Event):
    """The day the event ends, in its own time zone (promises fall due some days after it)."""
    return event.ends_at.astimezone(ZoneInfo(event.timezone)).date()


def seed_introductions(seed: DemoSeed, now: datetime) -> None:
    """Ask the demo's introductions through the same path the app takes, and answer the
    accepted ones as both people would. A second run finds them and only puts a waiting one
    back to waiting (unanswered, open for the usual time again)."""
    for intro in data.INTRODUCTIONS:
        introducer, a, b = (seed.people[intro[key]] for key in ("introducer", "a", "b"))
        existing = db.session.execute(db.select(Introduction).filter_by(introducer_id=introducer.id, a_id=a.id, b_id=b.id)
                                      ).scalars().first()
        if existing is not None:
            if existing.completed_at is None:
                existing.a_answer = existing.b_answer = existing.a_answered_at = existing.b_answered_at = None
                existing.expires_at = now + introductions.EXPIRES_AFTER
                existing.open_pair = introductions.pair_key(a.id, b.id)
                db.session.commit()
            continue
        made = introductions.introduce(introducer, connection_between(introducer, a),
                                       connection_between(introducer, b).id, intro["reason"], now=now)
        if intro["accepted"]:
            for person in (a, b):
                introductions.answer(person, made.id, True, now=now)


def seed_demo(now: datetime | None = None) -> DemoSeed:
    """Create or refresh the demo event and its people; running it again duplicates nothing."""
    now = now or utcnow()
    event, event_created = seed_event(now)
    seed = DemoSeed(event=event, event_created=event_created)
    seed_people(seed, now)
    db.session.commit()
    for email_key, wanted in seed.suggested.items():
        set_open(seed.people[email_key], wanted)
    seed_connections(seed, now)
    seed_introductions(seed, now)
    seed_card_control(seed, now)
    return seed
