"""People to meet: who of the event's attendees one person should seek out, and why.

A suggestion pairs what one side offers ("I can help with") with what the other asks ("I'm
looking for"), both ways. Only attendees who chose to be suggested (meet.models.MeetOptIn) are
ever suggested; anyone may read their own suggestions (they reveal nothing the suggested person
did not agree to). Topics count only when their owner shares them, and a suggestion shows
nothing but the name, the headline when it is shared, and the matching topics.
"""
from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from ..attendees.cards import public_card, split_topics
from ..attendees.models import Attendee
from ..connections.models import Connection
from ..errors import DomainError
from ..extensions import db
from .models import MeetDismissal, MeetOptIn
from .topics import normalise_topic, spoken_list

SHOWN = 3  # on a phone's home page, above the fold's worth of reading
INDEX_KEY = "eventnet.meet.topic_index"
INDEX_SECONDS = 60


@dataclass
class Suggestion:
    """Someone to seek out: their id, name and shared headline, and the topics that match.

    `they_need`: their asks that I offer; `they_offer`: their offers that I ask for (as they wrote
    them). `reasons`: one sentence per direction, for the person reading it.
    """

    attendee_id: int
    name: str
    headline: str
    they_need: list[str] = field(default_factory=list)
    they_offer: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- the choice

def is_open(attendee: Attendee) -> bool:
    """Whether the attendee chose to be suggested to others."""
    return db.session.get(MeetOptIn, attendee.id) is not None


def set_open(attendee: Attendee, wanted: bool) -> None:
    """Let the attendee be suggested to others, or stop; the same answer twice changes nothing. Commits."""
    row = db.session.get(MeetOptIn, attendee.id)
    if wanted and row is None:
        db.session.add(MeetOptIn(attendee_id=attendee.id, event_id=attendee.event_id))
    elif not wanted and row is not None:
        db.session.delete(row)
    db.session.commit()


def dismiss(owner: Attendee, other_id: int) -> None:
    """`owner` says "not for me" to `other_id`: never suggested to them again. Idempotent. Commits.

    Raises DomainError not_found (404) for an id that is not another attendee of the same event,
    whether or not such a person exists elsewhere.
    """
    other = db.session.get(Attendee, other_id)
    if other is None or other.event_id != owner.event_id or other.id == owner.id:
        raise DomainError("not_found", _("There is nobody to hide with that number."), 404)
    if db.session.get(MeetDismissal, (owner.id, other.id)) is None:
        db.session.add(MeetDismissal(owner_id=owner.id, other_id=other.id))
    db.session.commit()


def export(owner: Attendee) -> dict:
    """The owner's own data here, for their JSON export: {"suggested_to_others": bool,
    "not_for_me": [{"name", "hidden_at" (ISO 8601 UTC)}]}, oldest first. Names only: a name is
    on every card, the rest of a person's card is theirs to share."""
    rows = db.session.execute(
        db.select(Attendee, MeetDismissal.created_at).join(MeetDismissal, MeetDismissal.other_id == Attendee.id)
        .where(MeetDismissal.owner_id == owner.id).order_by(MeetDismissal.created_at, Attendee.id)
    ).all()
    return {
        "suggested_to_others": is_open(owner),
        "not_for_me": [{"name": public_card(person)["name"], "hidden_at": hidden_at.isoformat()} for person, hidden_at in rows],
    }


# ----------------------------------------------------------------------------- matching

def topic_index(event_id: int) -> dict[str, dict[str, set[int]]]:
    """{"help"|"need": {normalised topic: attendee ids}} over the event's suggestable people.

    Only attendees who chose to be suggested and share their topics are in it. Kept on the app
    for a minute (one per process and database): a digest run reads it thousands of times. A
    stale minute can only miss someone who just opted in, never show someone who opted out:
    the people are loaded again, with their choice, before anything is shown (people()).
    """
    cache = current_app.extensions.setdefault(INDEX_KEY, {})
    cached = cache.get(event_id)
    if cached and time.monotonic() - cached[0] < INDEX_SECONDS:
        return cached[1]
    index: dict[str, dict[str, set[int]]] = {"help": defaultdict(set), "need": defaultdict(set)}
    rows = db.session.execute(
        db.select(Attendee.id, Attendee.can_help_with, Attendee.looking_for, Attendee.shared_fields)
        .join(MeetOptIn, MeetOptIn.attendee_id == Attendee.id)
        .where(Attendee.event_id == event_id)
    )
    for attendee_id, helps, needs, shared in rows:
        if "topics" not in (shared or ()):
            continue
        for topic in split_topics(helps):
            index["help"][normalise_topic(topic)].add(attendee_id)
        for topic in split_topics(needs):
            index["need"][normalise_topic(topic)].add(attendee_id)
    if len(cache) > 100:
        cache.clear()
    cache[event_id] = (time.monotonic(), index)
    return index


def forget_index(event_id: int) -> None:
    """Drop this process's cached index of the event (after a change the same request shows)."""
    current_app.extensions.get(INDEX_KEY, {}).pop(event_id, None)


def _spread(viewer_id: int, other_id: int) -> int:
    # Among equally good matches, each viewer gets their own order, so that the same few people
    # are not suggested to everyone; stable across requests and processes (unlike hash()).
    return int.from_bytes(hashlib.blake2b(f"{viewer_id}:{other_id}".encode(), digest_size=4).digest(), "big")


def ranked(attendee: Attendee, exclude: set[int]) -> list[int]:
    """Ids of suggestable people whose shared topics meet the attendee's own, best first.

    A point per topic of theirs that matches one of mine, either way round; ties in an order of
    the attendee's own (_spread). The attendee's own topics count shared or not: only they read this.
    """
    my_help = {normalise_topic(t) for t in split_topics(attendee.can_help_with)}
    my_needs = {normalise_topic(t) for t in split_topics(attendee.looking_for)}
    index = topic_index(attendee.event_id)
    score: dict[int, int] = defaultdict(int)
    for topic in my_help:
        for other in index["need"].get(topic, ()):
            score[other] += 1
    for topic in my_needs:
        for other in index["help"].get(topic, ()):
            score[other] += 1
    for other in exclude | {attendee.id}:
        score.pop(other, None)
    return sorted(score, key=lambda other: (-score[other], _spread(attendee.id, other)))


def hidden_from(owner: Attendee) -> set[int]:
    """People never suggested to `owner`: those they already met, and those they waved away."""
    met = db.session.execute(
        db.select(Connection.contact_id).where(Connection.owner_id == owner.id, Connection.contact_id.is_not(None))
    ).scalars()
    waved = db.session.execute(db.select(MeetDismissal.other_id).where(MeetDismissal.owner_id == owner.id)).scalars()
    return set(met) | set(waved)


def people(attendee: Attendee, ids: list[int]) -> list[tuple[Attendee, list[str], list[str]]]:
    """(person, they_need, they_offer) for each id still suggestable, in the order given.

    Read again here, not trusted from the cached index: a person who opted out or stopped sharing
    their topics a moment ago is dropped, and only the topics on their public card are compared.
    """
    if not ids:
        return []
    rows = db.session.execute(
        db.select(Attendee).options(lazyload(Attendee.event))
        .join(MeetOptIn, MeetOptIn.attendee_id == Attendee.id)
        .where(Attendee.id.in_(ids), Attendee.event_id == attendee.event_id)
    ).scalars().all()
    by_id = {person.id: person for person in rows}
    my_help = {normalise_topic(t) for t in split_topics(attendee.can_help_with)}
    my_needs = {normalise_topic(t) for t in split_topics(attendee.looking_for)}
    found = []
    for other in ids:
        person = by_id.get(other)
        if person is None:
            continue
        card = public_card(person)
        they_need = [t for t in card.get("looking_for", ()) if normalise_topic(t) in my_help]
        they_offer = [t for t in card.get("can_help_with", ()) if normalise_topic(t) in my_needs]
        if they_need or they_offer:
            found.append((person, they_need, they_offer))
    return found


def reasons(name: str, they_need: list[str], they_offer: list[str]) -> list[str]:
    """Why to meet them, one sentence per direction: 'Priya is looking for data engineering,
    which you can help with.' / 'Priya can help with hiring, which you are looking for.'"""
    first = name.split()[0] if name.split() else name
    said = []
    if they_need:
        said.append(_("%(name)s is looking for %(topics)s, which you can help with.", name=first,
                      topics=spoken_list(they_need)))
    if they_offer:
        said.append(_("%(name)s can help with %(topics)s, which you are looking for.", name=first,
                      topics=spoken_list(they_offer)))
    return said


def suggestions_for(attendee: Attendee, limit: int = SHOWN) -> list[Suggestion]:
    """Up to `limit` people the attendee should seek out at the event, among those suggestable.

    Never someone they already exchanged cards with, nor one they said "not for me" to. A
    suggestion is a name, a shared headline and the reason: meeting still takes a scan.
    """
    candidates = ranked(attendee, hidden_from(attendee))[: limit * 3]
    found = []
    for person, they_need, they_offer in people(attendee, candidates):
        card = public_card(person)
        found.append(Suggestion(
            attendee_id=person.id, name=card["name"], headline=card.get("headline", ""),
            they_need=they_need, they_offer=they_offer, reasons=reasons(card["name"], they_need, they_offer),
        ))
        if len(found) == limit:
            break
    return found
