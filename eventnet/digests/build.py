"""What a digest or a reminder says, built when it is sent (and for previews) from the current data.

Every contact's details come from public_card(); the owner's note, tags, star and intent come
from their own connection row. The organizer's preview and test send use redact=True: the
layout that will be sent, with every private part (notes, tags, stars, follow-up plans,
suggestions, promises, signed links) replaced, and contacts in the order they met.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import aliased, lazyload

from ..attendees.cards import public_card, split_topics
from ..attendees.models import Attendee
from ..attendees.validation import shown_url
from ..badges.vcard import vcard_for
from ..connections.models import INTENTS, Connection
from ..events.models import Event
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import Attachment, BuiltEmail, SkipMessage, render_email
from . import tokens
from .models import MailPreference
from .schedule import KIND_DIGEST, KIND_REMINDER
from .suggestions import mailto, normalise_topic, one_line, parse_note, suggest

PRIVATE_NOTE = "[private note]"
PRIVATE = "[private]"
PRIVATE_SUGGESTION = "[private suggestion]"
MATCHES_SHOWN = 5
NOTE_SHOWN = 1000
TOPIC_INDEX_SECONDS = 60


# ----------------------------------------------------------------------------- content

@dataclass
class Reach:
    """The one-tap way to write to someone: a drafted email, or their LinkedIn."""

    url: str
    label: str
    address: str  # the email address or LinkedIn URL, for the plain-text part
    draft: str = ""  # the drafted first line in the mailto body


@dataclass
class Entry:
    """One contact in a digest or reminder."""

    connection_id: int
    name: str
    deleted: bool
    headline: str
    company: str
    email: str
    links: list[tuple[str, str]]
    note: str
    note_lines: list[str]
    tags: list[str]
    starred: bool
    intent_label: str
    done: bool
    open: bool
    promises: list[str]
    suggestion: str
    reach: Reach | None
    done_url: str | None
    calendar_url: str | None
    contact_url: str | None
    card: dict | None = None


@dataclass
class Match:
    """Someone the attendee did not meet whose topics match theirs (the no-contacts variant)."""

    name: str
    headline: str
    company: str
    they_need: list[str]
    they_offer: list[str]
    reach: Reach | None
    links: list[tuple[str, str]]


@dataclass
class Digest:
    """Everything the mail templates show."""

    kind: str  # digest | reminder
    variant: str  # contacts | matches
    attendee_name: str
    first_name: str
    event_name: str
    event_dates: str
    subject: str
    entries: list[Entry] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    people: int = 0
    promises_open: int = 0
    followups_open: int = 0
    redacted: bool = False
    days: int | None = None
    book_url: str = ""
    settings_url: str = ""
    unsubscribe_url: str = ""
    vcf: str | None = None
    vcf_name: str = ""
    vcf_count: int = 0


def safe_url(url: object) -> str | None:
    """Only http(s) URLs that a mail client reads as the same site we do become links in an
    email: never javascript: or data:, nor "evil.example\\@linkedin.com" stored before the rule."""
    return shown_url(url)


def card_links(card: dict) -> list[tuple[str, str]]:
    """(label, url) of a card's LinkedIn, website and other links, safe ones only."""
    links = []
    for key, label in (("linkedin", "LinkedIn"), ("website", "Website")):
        url = safe_url(card.get(key))
        if url:
            links.append((label, url))
    for link in card.get("links") or ():
        url = safe_url(link.get("url"))
        if url:
            links.append((one_line(link.get("label") or url, 60), url))
    return links


class _Urls:
    """Absolute URLs on BASE_URL from one bound map adapter (a digest needs a hundred of them)."""

    def __init__(self) -> None:
        base = urlsplit(current_app.config["BASE_URL"])
        self.adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)

    def __call__(self, endpoint: str, **values) -> str:
        return self.adapter.build(endpoint, values, force_external=True)


def _reach(card: dict, suggestion_subject: str, draft: str | None, name: str) -> Reach | None:
    if card.get("email"):
        body = f"{draft}\n\n" if draft else ""
        return Reach(mailto(card["email"], suggestion_subject, body), f"Write to {one_line(name, 60)}",
                     one_line(card["email"], 254), draft or "")
    linkedin = safe_url(card.get("linkedin"))
    if linkedin:
        return Reach(linkedin, f"Message {one_line(name, 60)} on LinkedIn", linkedin)
    return None


def _shown_note(note: str | None) -> str:
    # A very long note would push the email past what mail apps show (Gmail clips HTML over
    # about 100 KB); the whole note is one tap away in the app.
    text = (note or "").strip()
    return text if len(text) <= NOTE_SHOWN else text[:NOTE_SHOWN].rstrip() + "… (the whole note is in the app)"


def _my_topics(attendee: Attendee) -> tuple[list[str], list[str]]:
    # Their own topics, shared or not: the email goes to them alone.
    return split_topics(attendee.can_help_with), split_topics(attendee.looking_for)


def _entries(attendee: Attendee, event: Event, urls: _Urls, *, redact: bool, only_open: bool) -> list[Entry]:
    contact = aliased(Attendee)
    rows = db.session.execute(
        db.select(Connection, contact)
        .outerjoin(contact, contact.id == Connection.contact_id)
        .options(lazyload(contact.event))
        .where(Connection.owner_id == attendee.id)
        .order_by(Connection.created_at, Connection.id)
    ).all()
    my_help, my_needs = _my_topics(attendee)
    entries = []
    for connection, person in rows:
        card = public_card(person) if person is not None else None
        name = one_line(card["name"] if card else "A deleted attendee", 120)
        parts = parse_note(connection.note)
        done = connection.followup_done_at is not None
        is_open = not done and bool(connection.intent != "none" or connection.starred or parts.promises)
        if only_open and not is_open:
            continue
        if redact:
            note, tags, starred, intent_label, promises, advice = PRIVATE_NOTE, [PRIVATE], False, PRIVATE, [], PRIVATE_SUGGESTION
            reach = _reach(card, f"Great to meet you at {event.name}", None, name) if card else None
            done_url = calendar_url = None
        else:
            suggestion = suggest(note=connection.note, intent=connection.intent, card=card or {"name": name},
                                 my_help=my_help, my_needs=my_needs, event_name=event.name, done=done, parts=parts)
            note, tags, starred = _shown_note(connection.note), list(connection.tags or []), bool(connection.starred)
            intent_label = INTENTS.get(connection.intent, "") if connection.intent != "none" else ""
            promises, advice = [] if done else parts.promises, suggestion.text
            reach = _reach(card, suggestion.subject, suggestion.first_line, name) if card else None
            done_url = None if done else urls(
                "digests.followup_done", slug=event.slug,
                token=tokens.make_token("followup-done", connection.id, attendee.id))
            calendar_url = urls(
                "digests.calendar", slug=event.slug, token=tokens.make_token("calendar", connection.id, attendee.id)
            ) if connection.intent == "coffee" and not done and card else None
        card = card or {}
        entries.append(Entry(
            connection_id=connection.id, name=name, deleted=person is None,
            headline=one_line(card.get("headline", ""), 160), company=one_line(card.get("company", ""), 120),
            email=one_line(card.get("email", ""), 254), links=card_links(card),
            note=note, note_lines=[line for line in note.splitlines()] if note else [],
            tags=tags, starred=starred, intent_label=intent_label, done=done and not redact,
            open=is_open and not redact, promises=promises, suggestion=advice, reach=reach,
            done_url=done_url, calendar_url=calendar_url,
            contact_url=None if redact else urls("connections.contact", slug=event.slug, connection_id=connection.id),
            card=card or None,
        ))
    if not redact:
        # Starred and promised follow-ups first (those still open), then the rest as met.
        entries.sort(key=lambda e: (not (e.open and (e.starred or e.promises)), not e.starred, not e.promises))
    return entries


# ----------------------------------------------------------------------------- the no-contacts variant

TOPICS_KEY = "eventnet.digests.topic_index"


def _event_topics(event_id: int) -> dict[str, dict[str, set[int]]]:
    """{"help"|"need": {normalised topic: attendee ids}} for the event's shared topics, cached a minute.

    A digest run builds thousands of digests in a few minutes; the topics of everyone would
    otherwise be read once per attendee without contacts.
    """
    # Kept on the app (one per process and database), for a minute: topics rarely change after
    # the event, and a stale minute only affects who is suggested.
    cache = current_app.extensions.setdefault(TOPICS_KEY, {})
    cached = cache.get(event_id)
    if cached and time.monotonic() - cached[0] < TOPIC_INDEX_SECONDS:
        return cached[1]
    index: dict[str, dict[str, set[int]]] = {"help": defaultdict(set), "need": defaultdict(set)}
    rows = db.session.execute(
        db.select(Attendee.id, Attendee.can_help_with, Attendee.looking_for, Attendee.shared_fields)
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


def topic_matches(attendee: Attendee, limit: int = MATCHES_SHOWN) -> list[Match]:
    """Others of the event whose shared topics match the attendee's: they need what I offer, or offer what I need."""
    my_help, my_needs = _my_topics(attendee)
    index = _event_topics(attendee.event_id)
    score: dict[int, int] = defaultdict(int)
    for topic in my_help:
        for other in index["need"].get(normalise_topic(topic), ()):
            score[other] += 1
    for topic in my_needs:
        for other in index["help"].get(normalise_topic(topic), ()):
            score[other] += 1
    score.pop(attendee.id, None)
    if not score:
        return []
    best = sorted(score, key=lambda other: (-score[other], other))[: limit * 2]
    people = db.session.execute(
        db.select(Attendee).options(lazyload(Attendee.event)).where(Attendee.id.in_(best), Attendee.event_id == attendee.event_id)
    ).scalars().all()
    by_id = {person.id: person for person in people}
    matches = []
    for other in best:
        person = by_id.get(other)
        if person is None:
            continue
        card = public_card(person)
        they_need = [t for t in card.get("looking_for", ()) if normalise_topic(t) in {normalise_topic(m) for m in my_help}]
        they_offer = [t for t in card.get("can_help_with", ()) if normalise_topic(t) in {normalise_topic(m) for m in my_needs}]
        if not (they_need or they_offer):
            continue
        name = one_line(card["name"], 120)
        matches.append(Match(
            name=name, headline=one_line(card.get("headline", ""), 160), company=one_line(card.get("company", ""), 120),
            they_need=they_need, they_offer=they_offer,
            reach=_reach(card, f"We both went to {attendee.event.name}", None, name), links=card_links(card),
        ))
        if len(matches) == limit:
            break
    return matches


# ----------------------------------------------------------------------------- digests

def _dates(event: Event) -> str:
    start, end = event.local(event.starts_at), event.local(event.ends_at)
    if start.date() == end.date():
        return start.strftime("%d %B %Y")
    return f"{start.strftime('%d %B')} to {end.strftime('%d %B %Y')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _base(attendee: Attendee, kind: str, urls: _Urls, redact: bool) -> Digest:
    event = attendee.event
    name = one_line(attendee.name, 120)
    digest = Digest(
        kind=kind, variant="contacts", attendee_name=name, first_name=name.split()[0] if name.split() else "",
        event_name=one_line(event.name, 200), event_dates=_dates(event), subject="", redacted=redact,
        book_url=urls("contacts.book", slug=event.slug), settings_url=urls("digests.settings", slug=event.slug),
    )
    # The organizer's copy carries no working unsubscribe link of the attendee's.
    digest.unsubscribe_url = digest.settings_url if redact else urls(
        "digests.unsubscribe", slug=event.slug, token=tokens.make_token("unsubscribe", attendee.id, event.id))
    return digest


def _summary(digest: Digest) -> None:
    digest.people = len(digest.entries)
    digest.promises_open = sum(len(e.promises) for e in digest.entries if e.open)
    digest.followups_open = sum(1 for e in digest.entries if e.open)


def build_digest(attendee: Attendee, *, redact: bool = False) -> Digest:
    """The digest of one attendee: every contact with their card, my note and a suggestion, or
    (no contacts) people whose topics match. redact=True: the organizer's view of it."""
    urls = _Urls()
    event = attendee.event
    digest = _base(attendee, KIND_DIGEST, urls, redact)
    digest.entries = _entries(attendee, event, urls, redact=redact, only_open=False)
    _summary(digest)
    hello = f"{digest.first_name}, " if digest.first_name else ""
    if digest.entries:
        digest.subject = f"{hello}your {_plural(digest.people, 'contact')} from {digest.event_name}"
        cards = [e for e in digest.entries if e.card]
        digest.vcf = "".join(
            vcard_for(e.card, note=None if redact else (e.note or None), categories=None if redact else (e.tags or None),
                      event_name=event.name)
            for e in cards
        )
        digest.vcf_count = len(cards)
        digest.vcf_name = f"contacts-{event.slug}.vcf"
    else:
        digest.variant = "matches"
        digest.matches = topic_matches(attendee)
        digest.subject = f"{hello}people to meet after {digest.event_name}"
    if not redact:
        digest.subject = digest.subject[:1].upper() + digest.subject[1:]
    return digest


def build_reminder(attendee: Attendee, days: int) -> Digest:
    """A keep-in-touch reminder: the follow-ups still open, each with a write link and a done link."""
    urls = _Urls()
    digest = _base(attendee, KIND_REMINDER, urls, False)
    digest.days = days
    digest.entries = _entries(attendee, attendee.event, urls, redact=False, only_open=True)
    _summary(digest)
    digest.subject = f"{_plural(digest.followups_open, 'follow-up')} still open from {digest.event_name}"
    return digest


def render(digest: Digest) -> tuple[str, str]:
    """(text, html) of a digest or reminder, from templates/mail/<kind>.txt and .html."""
    template = "reminder" if digest.kind == KIND_REMINDER else "digest"
    return render_email(template, {"d": digest})


# ----------------------------------------------------------------------------- the sender's builders

def _recipient(row: OutboxMessage) -> tuple[Attendee, Event]:
    attendee = db.session.get(Attendee, row.attendee_id) if row.attendee_id else None
    if attendee is None or attendee.event_id != row.event_id:
        raise SkipMessage("the attendee deleted their account")
    return attendee, attendee.event


def _preference(attendee: Attendee) -> MailPreference | None:
    return db.session.get(MailPreference, attendee.id)


def _list_headers(digest: Digest, event: Event) -> dict[str, str]:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    headers = {
        # RFC 2369 and RFC 8058: one-click unsubscribe by a POST to this URL, no login needed.
        "List-Unsubscribe": f"<{digest.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<{event.slug}.followups.{host}>",
    }
    if event.reply_to:
        headers["Reply-To"] = event.reply_to
    return headers


def _email(digest: Digest, headers: dict[str, str], subject_prefix: str = "") -> BuiltEmail:
    text, html = render(digest)
    attachments = [Attachment(digest.vcf_name, "text/vcard", digest.vcf)] if digest.vcf else []
    return BuiltEmail(subject_prefix + digest.subject, text, html, headers, attachments)


def digest_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of "digest" rows: skipped for the unsubscribed, and when there is nothing to say."""
    attendee, event = _recipient(row)
    preference = _preference(attendee)
    if preference is not None and preference.followups_off:
        raise SkipMessage("unsubscribed from follow-up emails")
    digest = build_digest(attendee)
    if not digest.entries:
        if event.digest_no_contacts == "none":
            raise SkipMessage("no contacts, and the event sends nothing to attendees without contacts")
        if not digest.matches:
            raise SkipMessage("no contacts, and nobody with matching topics")
    return _email(digest, _list_headers(digest, event))


def reminder_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of "reminder" rows: only open follow-ups; skipped when none is left or reminders are off."""
    attendee, event = _recipient(row)
    preference = _preference(attendee)
    if preference is not None and (preference.followups_off or preference.reminders_off):
        raise SkipMessage("turned reminders off")
    days = int((row.payload or {}).get("days") or 0)
    digest = build_reminder(attendee, days)
    if not digest.entries:
        raise SkipMessage("no follow-ups left open")
    return _email(digest, _list_headers(digest, event))


def organizer_copy_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of an organizer's test send: one attendee's digest, private parts redacted."""
    subject_id = (row.payload or {}).get("attendee_id")
    attendee = db.session.get(Attendee, subject_id) if isinstance(subject_id, int) else None
    if attendee is None or attendee.event_id != row.event_id:
        raise SkipMessage("the attendee of this test no longer exists")
    digest = build_digest(attendee, redact=True)
    if not digest.entries and not digest.matches:
        raise SkipMessage("this attendee would get no digest (no contacts, no matching topics)")
    headers = {"Reply-To": attendee.event.reply_to} if attendee.event.reply_to else {}
    return _email(digest, headers, subject_prefix="[Test] ")
