"""Introductions with double opt-in (issue 14): ask, answer, complete, and what each person sees.

An introducer asks two of their own contacts, A and B, whether they would like to meet, with a
line on why. Each gets an email and the request on their home page, and answers for themselves.
Only when both accepted are they connected (a Connection pair, as an exchange makes) and each
sent ONE email in the introducer's name, with the other's shared card.

A decline is never told. It is written on the decliner's side of the row and nothing anyone
else sees is computed from it: to the other side the request stays "waiting" and to the
introducer "pending" until it expires, then "not made", exactly as if nobody had answered
(viewer_state). Answering does the same statements whatever the other side did (answer()), and
a decline does not free the pair or the introducer's quota early, so neither tells one either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..attendees.cards import public_card
from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..errors import DomainError, fail
from ..extensions import db
from ..i18n.selection import in_recipient_language
from ..mail.outbox import absolute_url, queue_email
from .models import ACCEPTED, DECLINED, REASON_MAX, Introduction, IntroductionOptOut
from ..i18n.markers import N_  # isort: skip
from flask_babel import lazy_gettext as _l  # isort: skip  (apart from i18n-mail's gettext import, so the branches merge cleanly)

# How long a request stays open; an unfinished one is "not made" after it.
EXPIRES_AFTER = timedelta(days=14)
# The real abuse control, counted in the database: requests an introducer may have open at once
# (a declined one still counts until it expires, or the quota would tell a decline) and a day.
OPEN_MAX = 10
DAILY_MAX = 20

KIND_REQUEST = "introduction_request"
KIND_MADE = "introduction"

ERRORS: dict[str, tuple[int, str]] = {
    "no_reason": (422, _l("Write a line on why they should meet.")),
    "reason_too_long": (422, _l("Keep the reason to %(max)s characters.", max=REASON_MAX)),
    "not_my_contact": (422, _l("Choose one of your own contacts.")),
    "same_person": (422, _l("Choose someone else: that is the same person.")),
    "deleted": (422, _l("This person deleted their account.")),
    "already_connected": (422, _l("They are already connected to each other.")),
    "already_asked": (422, _l("These two already have an introduction waiting for their answers.")),
    "opted_out": (422, _l("They can't be introduced right now: they do not take introductions.")),
    "open_quota": (429, _l("You have %(count)s introductions waiting for answers: wait until some are answered or expire.", count=OPEN_MAX)),
    "daily_quota": (429, _l("You have asked for %(count)s introductions today: try again tomorrow.", count=DAILY_MAX)),
}


class IntroductionError(DomainError):
    """An introduction that cannot be asked (codes and statuses in ERRORS)."""

    MESSAGES = ERRORS


def pair_key(one: int, other: int) -> str:
    """The open_pair value of two attendees, whichever is A."""
    low, high = sorted((one, other))
    return f"{low}-{high}"


def clean_reason(raw: str | None) -> str:
    """The reason on one line, spaces collapsed; IntroductionError when empty or too long."""
    reason = " ".join((raw or "").split())
    if not reason:
        raise IntroductionError("no_reason")
    if len(reason) > REASON_MAX:
        raise IntroductionError("reason_too_long")
    return reason


# ----------------------------------------------------------------------------- opting out

def takes_introductions(attendee: Attendee) -> bool:
    """Whether the attendee takes introductions (nobody has opted out by default)."""
    return db.session.get(IntroductionOptOut, attendee.id) is None


def set_takes_introductions(attendee: Attendee, wanted: bool) -> None:
    """Take introductions again, or "don't send me introductions". Commits."""
    row = db.session.get(IntroductionOptOut, attendee.id)
    if wanted and row is not None:
        db.session.delete(row)
    elif not wanted and row is None:
        db.session.add(IntroductionOptOut(attendee_id=attendee.id, event_id=attendee.event_id))
    db.session.commit()


# ----------------------------------------------------------------------------- asking

def other_contacts(introducer: Attendee, connection: Connection) -> list[tuple[int, str]]:
    """(connection id, name) of the introducer's other contacts, by name: whom `connection`'s
    contact may be introduced to. Names only: a name is on every card."""
    rows = db.session.execute(
        select(Connection.id, Attendee.name).join(Attendee, Attendee.id == Connection.contact_id)
        .where(Connection.owner_id == introducer.id, Connection.id != connection.id)
        .order_by(func.lower(Attendee.name), Connection.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def _take_write_lock() -> None:
    # SQLite: the checks and the write must not interleave with another request's (two
    # introducers asking for the same pair, or both people answering at once).
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def introduce(introducer: Attendee, connection: Connection, other_connection_id: int, reason: str,
              now: datetime | None = None) -> Introduction:
    """Ask `connection`'s contact (A) and the contact of the introducer's connection
    `other_connection_id` (B) to meet. Queues one request email to each. Commits.

    IntroductionError (ERRORS) when the reason is missing or long, B is not the introducer's
    contact, A and B are one person, already connected, one of them takes no introductions,
    the pair has an open request, or the introducer's quota is used up.
    """
    now = now or utcnow()
    reason = clean_reason(reason)
    if connection.owner_id != introducer.id:
        raise IntroductionError("not_my_contact")
    other = db.session.execute(
        select(Connection).where(Connection.id == other_connection_id, Connection.owner_id == introducer.id)
    ).scalar_one_or_none()
    if other is None:
        raise IntroductionError("not_my_contact")
    if connection.contact_id is None or other.contact_id is None:
        raise IntroductionError("deleted")
    if connection.contact_id == other.contact_id:
        raise IntroductionError("same_person")
    _take_write_lock()
    a, b = db.session.get(Attendee, connection.contact_id), db.session.get(Attendee, other.contact_id)
    if db.session.execute(select(Connection.id).where(Connection.owner_id == a.id, Connection.contact_id == b.id)).first():
        raise IntroductionError("already_connected")
    for person in (a, b):
        if not takes_introductions(person):
            raise IntroductionError("opted_out", _l("%(name)s can't be introduced right now: they do not take introductions.",
                                                    name=person.name))
    key = pair_key(a.id, b.id)
    # A request past its expiry no longer holds the pair.
    db.session.execute(update(Introduction).where(Introduction.open_pair == key, Introduction.expires_at <= now)
                       .values(open_pair=None))
    if db.session.execute(select(Introduction.id).where(Introduction.open_pair == key)).first():
        raise IntroductionError("already_asked")
    mine = Introduction.introducer_id == introducer.id
    open_count = db.session.execute(select(func.count()).select_from(Introduction).where(
        mine, Introduction.completed_at.is_(None), Introduction.expires_at > now)).scalar_one()
    if open_count >= OPEN_MAX:
        raise IntroductionError("open_quota")
    today = db.session.execute(select(func.count()).select_from(Introduction).where(
        mine, Introduction.created_at > now - timedelta(days=1))).scalar_one()
    if today >= DAILY_MAX:
        raise IntroductionError("daily_quota")
    introduction = Introduction(event_id=introducer.event_id, introducer_id=introducer.id, a_id=a.id, b_id=b.id,
                                reason=reason, created_at=now, expires_at=now + EXPIRES_AFTER, open_pair=key)
    db.session.add(introduction)
    try:
        db.session.flush()
    except IntegrityError:
        # Another introducer asked for the same pair between our check and our insert
        # (PostgreSQL; SQLite's write lock above already serialised us).
        db.session.rollback()
        raise IntroductionError("already_asked") from None
    for person, other_person in ((a, b), (b, a)):
        _queue_request(introduction, introducer, person, other_person)
    db.session.commit()
    return introduction


def _queue_request(introduction: Introduction, introducer: Attendee, person: Attendee, other: Attendee) -> None:
    event = person.event
    card = public_card(other)
    # In each one's own language, not the introducer's (eventnet.i18n.selection).
    with in_recipient_language(person, event):
        queue_email(
            to=person.email, subject=_("%(introducer)s would like to introduce you to %(name)s",
                                       introducer=introducer.name, name=other.name),
            template="introduction_request", kind=KIND_REQUEST, event_id=event.id, attendee_id=person.id,
            context={"event": event, "person": person, "introducer": introducer.name, "other": card["name"],
                     "headline": card.get("headline", ""), "reason": introduction.reason,
                     "expires_at": introduction.expires_at,
                     "url": absolute_url("events.home", slug=event.slug) + "#introductions-h"},
        )


# ----------------------------------------------------------------------------- answering

def _mine(me: Attendee, introduction_id: int, lock: bool = False) -> Introduction:
    query = select(Introduction).where(Introduction.id == introduction_id, Introduction.event_id == me.event_id,
                                       or_(Introduction.a_id == me.id, Introduction.b_id == me.id))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    introduction = db.session.execute(query).scalar_one_or_none()
    if introduction is None:
        fail(404, "There is no such introduction for you.")
    return introduction


def answer(me: Attendee, introduction_id: int, accepted: bool, now: datetime | None = None) -> Introduction:
    """Accept or decline an introduction asked of me; completes it when both accepted. Commits.

    The first answer stands (a second one, or one after expiry, changes nothing). Privacy: the
    statements are the same whether the other side accepted, declined or said nothing: the row
    is read once (locked: two people answering at once must not both miss the completion), my
    side written, the completion decided from both columns. Only a completion does more, and
    then both are told anyway. 404 unless I am one of the two.
    """
    now = now or utcnow()
    _take_write_lock()
    introduction = _mine(me, introduction_id, lock=True)
    side = "a" if introduction.a_id == me.id else "b"
    if getattr(introduction, f"{side}_answer") is None and introduction.completed_at is None and introduction.expires_at > now:
        setattr(introduction, f"{side}_answer", ACCEPTED if accepted else DECLINED)
        setattr(introduction, f"{side}_answered_at", now)
    both = (introduction.a_answer == ACCEPTED) & (introduction.b_answer == ACCEPTED)  # `&`: both always read
    if both and introduction.completed_at is None:
        _complete(introduction, now)
    db.session.commit()
    return introduction


def _complete(introduction: Introduction, now: datetime) -> None:
    """Both accepted: connect them (one row per side, as an exchange) and tell each once."""
    introduction.completed_at = now
    introduction.open_pair = None
    a, b = db.session.get(Attendee, introduction.a_id), db.session.get(Attendee, introduction.b_id)
    introducer = db.session.get(Attendee, introduction.introducer_id)
    for owner, contact in ((a, b), (b, a)):
        # They may have exchanged cards since the request: their rows then stay as they are.
        exists = db.session.execute(select(Connection.id).where(Connection.owner_id == owner.id,
                                                                Connection.contact_id == contact.id)).first()
        if exists is None:
            db.session.add(Connection(event_id=introduction.event_id, owner_id=owner.id, contact_id=contact.id,
                                      initiated=False, created_at=now, origin="introduction"))
    db.session.flush()
    # One email per person, not one to both: each carries the other's shared card, and an
    # address someone does not share must not reach the other through the To line.
    for person, other in ((a, b), (b, a)):
        connection_id = db.session.execute(select(Connection.id).where(
            Connection.owner_id == person.id, Connection.contact_id == other.id)).scalar_one()
        event = person.event
        with in_recipient_language(person, event):
            queue_email(
                to=person.email, subject=_("%(introducer)s introduces you to %(name)s",
                                           introducer=introducer.name, name=other.name),
                template="introduction", kind=KIND_MADE, event_id=event.id, attendee_id=person.id,
                # Sent by eventnet, never with a forged From: replies go to the introducer.
                headers={"Reply-To": introducer.email},
                context={"event": event, "person": person, "introducer": introducer.name,
                         "card": public_card(other), "reason": introduction.reason,
                         "url": absolute_url("connections.contact", slug=event.slug, connection_id=connection_id)},
            )


# ----------------------------------------------------------------------------- what each one sees

# What a state is called, per viewer. "declined" is only ever the decliner's own.
# N_: English data; the pages translate each state where they show it.
STATES = {"answer": N_("Waiting for your answer"), "waiting": N_("You accepted: waiting for the other person"),
          "pending": N_("Pending"), "introduced": N_("Introduced"), "not_made": N_("Not made"),
          "declined": N_("You declined")}


def viewer_state(introduction: Introduction, viewer: Attendee, now: datetime | None = None) -> str:
    """The request as `viewer` may see it: the introducer "pending" | "introduced" | "not_made";
    one of the two "answer" | "waiting" | "declined" (their own decline) | "introduced" | "not_made".
    Never computed from the other side's answer, except through completion."""
    now = now or utcnow()
    expired = introduction.expires_at <= now
    if viewer.id not in (introduction.a_id, introduction.b_id):
        return "introduced" if introduction.completed_at else "not_made" if expired else "pending"
    mine = introduction.a_answer if viewer.id == introduction.a_id else introduction.b_answer
    if introduction.completed_at:
        return "introduced"
    if mine == DECLINED:
        return "declined"
    if expired:
        return "not_made"
    return "waiting" if mine == ACCEPTED else "answer"


@dataclass(frozen=True)
class Received:
    """A request asked of me, as my home page shows it."""

    introduction: Introduction
    introducer: str
    other: dict  # the other person's name and, if shared, headline: all that is shown before both accept
    state: str


def _not_declined_by(me: Attendee):
    # My own side's answer only: which requests I see never depends on the other's.
    return or_(and_(Introduction.a_id == me.id, or_(Introduction.a_answer.is_(None), Introduction.a_answer != DECLINED)),
               and_(Introduction.b_id == me.id, or_(Introduction.b_answer.is_(None), Introduction.b_answer != DECLINED)))


def received(me: Attendee, now: datetime | None = None) -> list[Received]:
    """Requests asked of me that I have not declined and that are open or made, newest first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Introduction).where(Introduction.event_id == me.event_id, _not_declined_by(me),
                                   or_(Introduction.completed_at.is_not(None), Introduction.expires_at > now))
        .order_by(Introduction.created_at.desc(), Introduction.id.desc())
    ).scalars().all()
    return [_received(row, me, now) for row in rows]


def _received(introduction: Introduction, me: Attendee, now: datetime) -> Received:
    other = db.session.get(Attendee, introduction.b_id if introduction.a_id == me.id else introduction.a_id)
    card = public_card(other)
    introducer = db.session.get(Attendee, introduction.introducer_id)
    return Received(introduction, introducer.name, {"name": card["name"], "headline": card.get("headline", "")},
                    viewer_state(introduction, me, now))


def for_contact(me: Attendee, connection: Connection, now: datetime | None = None) -> dict:
    """What my contact page shows about introductions with this contact:
    {"introduced_by": name or None, "made": [(other's name, state)] (the ones I asked)}."""
    now = now or utcnow()
    contact_id = connection.contact_id
    if contact_id is None:
        return {"introduced_by": None, "made": []}
    pair = or_(and_(Introduction.a_id == me.id, Introduction.b_id == contact_id),
               and_(Introduction.a_id == contact_id, Introduction.b_id == me.id))
    introducer = db.session.execute(
        select(Attendee.name).join(Introduction, Introduction.introducer_id == Attendee.id)
        .where(pair, Introduction.completed_at.is_not(None)).order_by(Introduction.completed_at).limit(1)
    ).scalar_one_or_none()
    made = db.session.execute(
        select(Introduction).where(Introduction.introducer_id == me.id,
                                   or_(Introduction.a_id == contact_id, Introduction.b_id == contact_id))
        .order_by(Introduction.created_at.desc(), Introduction.id.desc())
    ).scalars().all()
    shown = []
    for row in made:
        other = db.session.get(Attendee, row.b_id if row.a_id == contact_id else row.a_id)
        shown.append((public_card(other)["name"], viewer_state(row, me, now)))
    return {"introduced_by": introducer, "made": shown}


def export(me: Attendee, now: datetime | None = None) -> dict:
    """For my JSON export: {"takes_introductions": bool, "made": [...], "received": [...]}.

    made: {"between": [name, name], "reason", "asked_at", "state"} (introducer's view);
    received: {"introduced_by", "other", "reason", "asked_at", "my_answer", "my_answered_at",
    "state"} (my own answer only; the other's never, but for a completed introduction).
    """
    now = now or utcnow()

    def iso(moment):
        return moment.isoformat() if moment else None

    def name(attendee_id: int) -> str:
        return public_card(db.session.get(Attendee, attendee_id))["name"]

    made = db.session.execute(select(Introduction).where(Introduction.introducer_id == me.id)
                              .order_by(Introduction.created_at, Introduction.id)).scalars().all()
    asked = db.session.execute(select(Introduction).where(or_(Introduction.a_id == me.id, Introduction.b_id == me.id))
                               .order_by(Introduction.created_at, Introduction.id)).scalars().all()
    received_rows = []
    for row in asked:
        side = "a" if row.a_id == me.id else "b"
        received_rows.append({
            "introduced_by": name(row.introducer_id), "other": name(row.b_id if side == "a" else row.a_id),
            "reason": row.reason, "asked_at": iso(row.created_at), "my_answer": getattr(row, f"{side}_answer"),
            "my_answered_at": iso(getattr(row, f"{side}_answered_at")), "state": viewer_state(row, me, now),
        })
    return {
        "takes_introductions": takes_introductions(me),
        "made": [{"between": [name(row.a_id), name(row.b_id)], "reason": row.reason, "asked_at": iso(row.created_at),
                  "state": viewer_state(row, me, now)} for row in made],
        "received": received_rows,
    }
