"""What a digest or a reminder says, built when it is sent (and for previews) from the current data.

Every contact's details come from attendees.cards.card_for() (what each person gives this owner);
the owner's note, tags, star and intent come from their own connection row, and only the owner ever gets them (their email, their preview).
Organizers preview and test-send a sample built from made-up people (digests.sample) with the
same entries, the same dataclasses and the same templates.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy.orm import aliased, lazyload

from ..attendees.cards import card_for, public_card, split_topics
from ..attendees.links import shown_url
from ..attendees.models import Attendee
from ..badges.vcard import vcard_for
from ..connections.keep_in_touch import mutual_exists
from ..connections.models import INTENTS, NOTE_PARTS, Connection
from ..contacts.outlook_csv import AddressBookEntry, outlook_csv
from ..events.models import Event
from ..extensions import db
from ..i18n.formats import event_date_range
from ..i18n.selection import email_gettext as _
from ..i18n.selection import in_recipient_language
from ..mail.models import OutboxMessage
from ..meet import services as meet
from ..mail.services import Attachment, BuiltEmail, SkipMessage, mail_context, render_mail_part
from ..photos.services import InlinePhoto, inline_photos
from . import tokens
from .models import MailPreference
from .schedule import KIND_DIGEST, KIND_REMINDER
from ..promises import services as promise_services
from .suggestions import NoteParts, mailto, meeting_draft, note_parts, one_line, suggest

MATCHES_SHOWN = 5
# Gmail clips HTML over about 102 KB (its own figure, support.google.com): stay clear of it.
HTML_BUDGET = 90_000
NOTE_SHOWN = 1000


# ----------------------------------------------------------------------------- content

@dataclass
class Reach:
    """The one-tap way to write to someone: a drafted email, or their LinkedIn."""

    url: str
    label: str
    address: str  # the email address or LinkedIn URL, for the plain-text part
    draft: str = ""  # the drafted message the mailto opens with (its body), "" for LinkedIn
    # The button's words in a contact's card, beside their full name: "Write to Amara". Short, so
    # that "Mark done" and the calendar link fit beside it on a 360 px screen.
    short_label: str = ""

    def __post_init__(self) -> None:
        if not self.short_label:
            self.short_label = self.label


def due_label(promise) -> str:
    """"due Dec 12", "overdue since Dec 3" or "" (promises.services.due_label), in the current language."""
    return promise_services.due_label(promise)


def note_promise_label() -> str:
    """The due column of a promise found in a note's free text, in the recipient's language."""
    return _("from your note")


@dataclass
class PromiseLine:
    """One open promise in an entry, with its signed "Mark done" link (None in a preview without one)."""

    text: str
    due: str  # "due Dec 12", "overdue since Dec 3" or ""
    done_url: str | None = None


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
    promises: list[str]  # the open promises' texts (promise_lines has their due dates and links)
    suggestion: str
    reach: Reach | None
    done_url: str | None
    calendar_url: str | None
    contact_url: str | None
    card: dict | None = None
    met_at: datetime | None = None
    # Shown as one line (name, company, one link) when the full entries would not fit the HTML
    # budget (render), and always when `light`.
    compact: bool = False
    # Nothing of mine to remind me of: no note, no star, no open follow-up. Such contacts weigh
    # a line in the email, not a card, so that the ones with notes come first and stay short.
    light: bool = False
    # Their face, when their card shows a photo: a small JPEG attached inline (cid:), never a
    # remote image (photos.services.inline_photos).
    photo: InlinePhoto | None = None
    mutual: bool = False  # we both want to keep in touch (a one-sided mark never shows)
    promise_lines: list[PromiseLine] = field(default_factory=list)

    @property
    def photo_src(self) -> str | None:
        return f"cid:{self.photo.content_id}" if self.photo else None


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
    sample: bool = False  # the organizer's sample: made-up people, said so at the top
    lean: bool = False  # one-line entries without face or drafted mailto, for the longest digests (render)
    days: int | None = None
    keep_in_touch: bool = False  # a reminder that is the keep-in-touch nudge (its own lines in reminder.*)
    book_url: str = ""
    settings_url: str = ""
    unsubscribe_url: str = ""
    vcf: str | None = None
    vcf_name: str = ""
    vcf_count: int = 0
    # The same contacts as the CSV Outlook (Windows) imports all at once (it reads only the first
    # card of a .vcf); none for a single contact, whose .vcf Outlook imports whole.
    outlook_csv: bytes | None = None
    outlook_csv_name: str = ""


# URL -> what safe_url answers: a contact's links recur in the digest of everyone who met them.
_SAFE_URLS: dict[str, str | None] = {}
SAFE_URLS_CACHE = 4096  # about 250 B an entry


def safe_url(url: object) -> str | None:
    """Only http(s) URLs that a mail client reads as the same site we do become links in an
    email: never javascript: or data:, nor "evil.example\\@linkedin.com" stored before the rule."""
    key = str(url or "")
    if key not in _SAFE_URLS:
        if len(_SAFE_URLS) >= SAFE_URLS_CACHE:
            _SAFE_URLS.pop(next(iter(_SAFE_URLS)))  # the oldest: dicts keep insertion order
        _SAFE_URLS[key] = shown_url(key)
    return _SAFE_URLS[key]


def card_links(card: dict) -> list[tuple[str, str]]:
    """(label, url) of a card's LinkedIn, website and other links, safe ones only."""
    links = []
    for key, label in (("linkedin", "LinkedIn"), ("website", _("Website"))):
        url = safe_url(card.get(key))
        if url:
            links.append((label, url))
    for link in card.get("links") or ():
        url = safe_url(link.get("url"))
        if url:
            links.append((one_line(link.get("label") or url, 60), url))
    return links


class AbsoluteUrls:
    """Absolute URLs on BASE_URL from one bound map adapter (a digest needs a hundred of them)."""

    def __init__(self) -> None:
        base = urlsplit(current_app.config["BASE_URL"])
        self.adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)

    def __call__(self, endpoint: str, **values) -> str:
        return self.adapter.build(endpoint, values, force_external=True)


def reach_for(card: dict, suggestion_subject: str, draft: str | None, name: str) -> Reach | None:
    """The one-tap way to write to a card: a mailto: that opens the drafted message (subject and
    body, RFC 6068), else their LinkedIn; None when they share neither."""
    if card.get("email"):
        first = one_line(name, 60).split()
        return Reach(mailto(card["email"], suggestion_subject, draft or ""), _("Write to %(name)s", name=one_line(name, 60)),
                     one_line(card["email"], 254), draft or "",
                     _("Write to %(name)s", name=first[0]) if first else _("Write"))
    linkedin = safe_url(card.get("linkedin"))
    if linkedin:
        return Reach(linkedin, _("Message %(name)s on LinkedIn", name=one_line(name, 60)), linkedin)
    return None


def _shown_note(note: str | None) -> str:
    # A very long note would push the email past what mail apps show (Gmail clips HTML over
    # about 100 KB); the whole note is one tap away in the app.
    text = (note or "").strip()
    return text if len(text) <= NOTE_SHOWN else text[:NOTE_SHOWN].rstrip() + "… " + _("(the whole note is in the app)")


def _my_topics(attendee: Attendee) -> tuple[list[str], list[str]]:
    # Their own topics, shared or not: the email goes to them alone.
    return split_topics(attendee.can_help_with), split_topics(attendee.looking_for)


class NoteSide(Protocol):
    """My side of a contact as an entry reads it: a Connection, or a made-up one (digests.sample)."""

    id: int
    note: str
    tags: list
    starred: bool
    intent: str
    works_on: str
    needs: str
    offers: str

    @property
    def followup_done_at(self) -> datetime | None: ...


def parts_of(connection: NoteSide, promises: list[str]) -> NoteParts:
    """My note's parts as stored on my side of a contact, with my open promises' texts."""
    return note_parts(connection.note, works_on=connection.works_on, needs=connection.needs,
                      offers=connection.offers, promises=promises)


def _is_open(connection: NoteSide, parts: NoteParts) -> bool:
    # An open promise is chased until it is marked done, whatever the follow-up's state.
    done = connection.followup_done_at is not None
    return bool(parts.promises) or (not done and bool(connection.intent != "none" or connection.starred))


def entry_for(connection: NoteSide, card: dict | None, *, event_name: str, my_help: list[str], my_needs: list[str],
              link: Callable[[str], str], promises: list[PromiseLine] | None = None,
              sender_name: str = "") -> Entry:
    """One contact as a digest shows it: their card, my note, tags, star and intent, my open
    promises to them, and a suggestion.

    `card` is the contact's public card (None once they deleted their account); `link(kind)` makes
    the entry's "done", "calendar" and "contact" URLs; `promises` are my open promises to them;
    `sender_name` signs the drafted message.
    """
    name = one_line(card["name"] if card else _("A deleted attendee"), 120)
    promises = promises or []
    parts = parts_of(connection, [p.text for p in promises])
    done = connection.followup_done_at is not None
    suggestion = suggest(note=connection.note, intent=connection.intent, card=card or {"name": name},
                         my_help=my_help, my_needs=my_needs, event_name=event_name, done=done, parts=parts,
                         sender_name=sender_name)
    # The prompted parts head the note, labelled as the note form's chips are.
    labelled = [_("%(label)s: %(value)s", label=_(NOTE_PARTS[name][0]), value=value)
                for name in NOTE_PARTS if (value := one_line(getattr(connection, name)))]
    note = _shown_note("\n".join([*labelled, (connection.note or "").strip()]))
    is_open = _is_open(connection, parts)
    shown = card or {}
    return Entry(
        connection_id=connection.id, name=name, deleted=card is None,
        headline=one_line(shown.get("headline", ""), 160), company=one_line(shown.get("company", ""), 120),
        email=one_line(shown.get("email", ""), 254), links=card_links(shown),
        note=note, note_lines=note.splitlines() if note else [],
        tags=list(connection.tags or []), starred=bool(connection.starred),
        intent_label=_(INTENTS[connection.intent]) if connection.intent in INTENTS and connection.intent != "none" else "",
        done=done, open=is_open, promises=parts.promises, promise_lines=promises,
        suggestion=suggestion.text,
        reach=reach_for(card, suggestion.subject, suggestion.draft, name) if card else None,
        done_url=None if done else link("done"),
        calendar_url=link("calendar") if connection.intent == "coffee" and not done and card else None,
        contact_url=link("contact"),
        card=card,
        met_at=getattr(connection, "created_at", None),
        light=not note and not connection.starred and not is_open,
    )


def sort_entries(entries: list[Entry]) -> None:
    """Starred contacts and open promises or follow-ups first, then the others with notes, by how
    recently they were met; the light ones (nothing of mine about them) last.

    The order the HTML budget keeps full entries in: what needs doing, then what is freshest.
    """
    def newest_first(entry: Entry) -> float:
        return -(entry.met_at.timestamp() if entry.met_at else 0.0)

    entries.sort(key=lambda e: (e.light, not (e.starred or e.open), not e.starred, not e.promises, newest_first(e)))


def _entries(attendee: Attendee, event: Event, urls: AbsoluteUrls, *, only_open: bool,
             only_mutual: bool = False) -> list[Entry]:
    contact = aliased(Attendee)
    # Whether each pair is mutual is a column computed for every row alike, marked or not.
    rows = db.session.execute(
        db.select(Connection, contact, mutual_exists().label("mutual"))
        .outerjoin(contact, contact.id == Connection.contact_id)
        .options(lazyload(contact.event))
        .where(Connection.owner_id == attendee.id)
        .order_by(Connection.created_at, Connection.id)
    ).all()
    my_help, my_needs = _my_topics(attendee)
    # Each contact's card as they give it to me (narrowed, taken back, expired): the photo too,
    # so a photo attaches only where the card would show it.
    cards = {connection.id: card_for(person, connection, ends_at=event.ends_at)
             for connection, person, _mutual in rows if person is not None}
    faces = inline_photos(person for connection, person, _mutual in rows
                          if person is not None and "photo_url" in cards[connection.id])
    all_promises = promise_services.by_connection(attendee.id)
    entries = []
    for connection, person, mutual in rows:
        tracked = all_promises.get(connection.id, [])
        promises = [
            PromiseLine(promise.text, due_label(promise), urls(
                "promises.done_by_link", slug=event.slug,
                token=tokens.make_token("promise-done", promise.id, attendee.id)))
            for promise in tracked if promise.done_at is None
        ]
        # A promise written in the note's free text and never tracked (nor called "not a
        # promise") is chased too: the digest's count agrees with what the notes say.
        from_note = promise_services.suggestion_for(connection, tracked)
        if from_note:
            promises.append(PromiseLine(from_note, note_promise_label(), urls(
                "promises.note_done_by_link", slug=event.slug,
                token=tokens.make_token("note-promise-done", connection.id, attendee.id))))
        if only_open and not _is_open(connection, parts_of(connection, [p.text for p in promises])):
            continue
        if only_mutual and not (mutual and person is not None):
            continue

        def link(kind: str, connection: Connection = connection) -> str:
            if kind == "done":
                return urls("digests.followup_done", slug=event.slug,
                            token=tokens.make_token("followup-done", connection.id, attendee.id))
            if kind == "calendar":
                return urls("digests.calendar", slug=event.slug,
                            token=tokens.make_token("calendar", connection.id, attendee.id))
            return urls("connections.contact", slug=event.slug, connection_id=connection.id)

        card = cards.get(connection.id)
        entry = entry_for(connection, card, event_name=event.name, my_help=my_help, my_needs=my_needs,
                          link=link, promises=promises, sender_name=attendee.name)
        entry.photo = faces.get(person.id) if person is not None else None
        entry.mutual = bool(mutual)
        entry.light = entry.light and not entry.mutual
        entries.append(entry)
    sort_entries(entries)
    return entries


# ----------------------------------------------------------------------------- the no-contacts variant

def topic_matches(attendee: Attendee, limit: int = MATCHES_SHOWN) -> list[Match]:
    """Others of the event whose shared topics match the attendee's: they need what I offer, or
    offer what I need. The same people the home page suggests (eventnet.meet): only those who
    chose to be suggested, never one the attendee said "not for me" to."""
    ranked = meet.ranked(attendee, meet.hidden_from(attendee))[: limit * 2]
    matches = []
    for person, they_need, they_offer in meet.people(attendee, ranked):
        card = public_card(person)
        name = one_line(card["name"], 120)
        matches.append(Match(
            name=name, headline=one_line(card.get("headline", ""), 160), company=one_line(card.get("company", ""), 120),
            they_need=they_need, they_offer=they_offer,
            reach=reach_for(card, _("We both went to %(event)s", event=attendee.event.name),
                            meeting_draft(name, attendee.event.name, they_need, they_offer, attendee.name), name),
            links=card_links(card),
        ))
        if len(matches) == limit:
            break
    return matches


# ----------------------------------------------------------------------------- digests

def event_dates(event: Event) -> str:
    """The event's dates as a digest's heading shows them, in the current language, where the
    event is ("May 1 – 2, 2026", "1.–2. Mai 2026")."""
    return event_date_range(event.starts_at, event.ends_at, event)


def _base(attendee: Attendee, kind: str, urls: AbsoluteUrls) -> Digest:
    event = attendee.event
    digest = new_digest(event, kind, attendee.name, urls)
    digest.unsubscribe_url = urls(
        "digests.unsubscribe", slug=event.slug, token=tokens.make_token("unsubscribe", attendee.id, event.id))
    return digest


def new_digest(event: Event, kind: str, recipient_name: str, urls: AbsoluteUrls) -> Digest:
    """An empty digest or reminder of `event` for someone called `recipient_name`."""
    name = one_line(recipient_name, 120)
    return Digest(
        kind=kind, variant="contacts", attendee_name=name, first_name=name.split()[0] if name.split() else "",
        event_name=one_line(event.name, 200), event_dates=event_dates(event), subject="",
        book_url=urls("contacts.book", slug=event.slug), settings_url=urls("digests.settings", slug=event.slug),
    )


def summarise(digest: Digest) -> None:
    """Count the digest's people, open promises and open follow-ups."""
    digest.people = len(digest.entries)
    # Every open promise is in its contact's entry (an open promise makes the entry open), so
    # this is the count of the attendee's open Promise rows.
    digest.promises_open = sum(len(e.promises) for e in digest.entries)
    digest.followups_open = sum(1 for e in digest.entries if e.open)


def fill_contacts(digest: Digest, entries: list[Entry], event: Event) -> None:
    """Make `digest` the contacts variant: its entries, counts, subject, the .vcf of every card and,
    for two contacts or more, the same contacts as the Outlook / Google Contacts CSV.

    Attachments do not count toward the HTML budget (Gmail clips the HTML part only). The CSV
    is about as large as the .vcf: 150 contacts with 1 KB notes each make 178 KB of vCards and
    159 KB of CSV, and a message of 770 KB as sent instead of about 550 KB, far under any mail
    size limit (tests/test_digest.py holds it under 1 MB)."""
    digest.variant, digest.entries = "contacts", entries
    summarise(digest)
    if digest.first_name:
        digest.subject = _capital(ngettext("%(name)s, your %(num)d contact from %(event)s",
                                           "%(name)s, your %(num)d contacts from %(event)s", digest.people,
                                           name=digest.first_name, event=digest.event_name))
    else:
        digest.subject = ngettext("Your %(num)d contact from %(event)s", "Your %(num)d contacts from %(event)s",
                                  digest.people, event=digest.event_name)
    cards = [e for e in entries if e.card]
    digest.vcf = "".join(
        vcard_for(e.card, note=e.note or None, categories=e.tags or None, event_name=event.name) for e in cards
    ) or None
    digest.vcf_count = len(cards)
    digest.vcf_name = f"contacts-{event.slug}.vcf"
    if len(cards) > 1:
        digest.outlook_csv = outlook_csv([AddressBookEntry(e.card, e.note, e.tags) for e in cards], event.name)
        digest.outlook_csv_name = f"contacts-{event.slug}-outlook-google.csv"


def fill_matches(digest: Digest, matches: list[Match]) -> None:
    """Make `digest` the no-contacts variant: people whose topics match the recipient's."""
    digest.variant, digest.matches = "matches", matches
    if digest.first_name:
        digest.subject = _capital(_("%(name)s, people to meet after %(event)s", name=digest.first_name,
                                    event=digest.event_name))
    else:
        digest.subject = _("People to meet after %(event)s", event=digest.event_name)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_digest(attendee: Attendee) -> Digest:
    """The digest of one attendee: every contact with their card, my note and a suggestion, or
    (no contacts) people whose topics match."""
    urls = AbsoluteUrls()
    event = attendee.event
    digest = _base(attendee, KIND_DIGEST, urls)
    entries = _entries(attendee, event, urls, only_open=False)
    if entries:
        fill_contacts(digest, entries, event)
    else:
        fill_matches(digest, topic_matches(attendee))
    return digest


def build_reminder(attendee: Attendee, days: int) -> Digest:
    """A keep-in-touch reminder: the follow-ups still open, each with a write link and a done link."""
    urls = AbsoluteUrls()
    digest = _base(attendee, KIND_REMINDER, urls)
    digest.days = days
    digest.entries = _entries(attendee, attendee.event, urls, only_open=True)
    summarise(digest)
    digest.subject = ngettext("%(num)d follow-up still open from %(event)s",
                              "%(num)d follow-ups still open from %(event)s", digest.followups_open,
                              event=digest.event_name)
    return digest


def build_keep_in_touch(attendee: Attendee) -> Digest:
    """The keep-in-touch nudge: the contacts who, like the attendee, want to keep in touch."""
    urls = AbsoluteUrls()
    digest = _base(attendee, KIND_REMINDER, urls)
    digest.keep_in_touch = True
    digest.entries = _entries(attendee, attendee.event, urls, only_open=False, only_mutual=True)
    summarise(digest)
    names = [e.name for e in digest.entries]
    if len(names) == 1:
        digest.subject = _("Three months since %(event)s: say hello to %(name)s", event=digest.event_name, name=names[0])
    else:
        digest.subject = ngettext("Three months since %(event)s: say hello to %(num)d person",
                                  "Three months since %(event)s: say hello to %(num)d people", len(names),
                                  event=digest.event_name)
    return digest


class _EntryParts:
    """An entry's two HTML forms, each rendered the first time the page asks for it, then reused.

    The page template puts them in place of its includes (`parts`), so that trying the page
    at several sizes for the HTML budget renders each entry at most once in each form: the
    same template, the same context, so the same bytes as the include would write."""

    def __init__(self, ctx: dict, entry: Entry, full_part, line_part) -> None:
        self._ctx, self._entry, self._full_part, self._line_part = ctx, entry, full_part, line_part
        self._full: Markup | None = None
        self._line: Markup | None = None

    @property
    def full(self) -> Markup:
        if self._full is None:
            self._full = Markup(self._full_part.render({**self._ctx, "e": self._entry}))
        return self._full

    @property
    def line(self) -> Markup:
        if self._line is None:
            self._line = Markup(self._line_part.render({**self._ctx, "e": self._entry}))
        return self._line

    def forget_line(self) -> None:
        """The line changes with d.lean: render it again when next asked."""
        self._line = None


def render(digest: Digest) -> tuple[str, str]:
    """(text, html) of a digest or reminder, from templates/mail/<kind>.txt and .html.

    Light entries (no note, star or open follow-up) are always one line each. The HTML stays
    under HTML_BUDGET bytes: Gmail clips a message's HTML past about 102 KB and
    hides the rest, the unsubscribe link included. When every entry in full does not fit, the
    first entries (sort_entries' order) stay full and the others become one line each, as many
    full as fit. The text part and the .vcf keep everyone whole.
    """
    template = "reminder" if digest.kind == KIND_REMINDER else "digest"
    digest.lean = False
    for entry in digest.entries:
        entry.compact = entry.light
    env = current_app.jinja_env
    # The face macro once per digest rather than imported again by each entry (the templates
    # import it themselves when rendered without it, e.g. by the preview's own includes).
    ctx = mail_context({"d": digest, "face": env.get_template("mail/_face.html").module.face})
    full_part, line_part = env.get_template("mail/_digest_entry.html"), env.get_template("mail/_digest_line.html")
    parts = [_EntryParts(ctx, entry, full_part, line_part) for entry in digest.entries]
    page_ctx = {**ctx, "parts": parts}
    text = render_mail_part(f"{template}.txt", ctx)
    html = render_mail_part(f"{template}.html", page_ctx)
    if len(html.encode()) <= HTML_BUDGET:
        return text, html
    heavy = sum(1 for entry in digest.entries if not entry.light)  # sort_entries put them first
    sizes: dict[int, tuple[int, str]] = {}

    def html_with(full: int) -> tuple[int, str]:
        # The HTML part alone (the text part does not change with the entries' form), put
        # together from the entries' forms rendered once each.
        if full not in sizes:
            for index, entry in enumerate(digest.entries):
                entry.compact = entry.light or index >= full
            page = render_mail_part(f"{template}.html", page_ctx)
            sizes[full] = len(page.encode()), page
        return sizes[full]

    # A few hundred one-line entries, each with a face and its drafted mailto, may alone pass the
    # budget: then every line goes lean (no face, a link into the app), and full entries fit around them.
    if html_with(0)[0] > HTML_BUDGET:
        digest.lean = True
        for part in parts:
            part.forget_line()
        sizes.clear()
    if not heavy:
        return text, html_with(0)[1]

    # How many entries stay full: the most that fit. The page with the first k in full weighs
    # the page with none plus, for each of those k, its full form less its line (what the page
    # adds around the entries stays the same for every k below `heavy`: some entry is a line).
    # The estimate is then checked on whole pages, which decide.
    growth = [len(part.full.encode()) - len(part.line.encode()) for part in parts[:heavy]]
    room, best = HTML_BUDGET - html_with(0)[0], 0
    while best < heavy - 1 and growth[best] <= room:
        room -= growth[best]
        best += 1
    while best > 0 and html_with(best)[0] > HTML_BUDGET:
        best -= 1
    while best < heavy - 1 and html_with(best + 1)[0] <= HTML_BUDGET:
        best += 1
    for index, entry in enumerate(digest.entries):  # the entries say how the page shows them
        entry.compact = entry.light or index >= best
    return text, html_with(best)[1]


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


def as_email(digest: Digest, headers: dict[str, str], subject_prefix: str = "") -> BuiltEmail:
    """The built email of a digest or reminder: both parts, and the .vcf and the Outlook CSV
    attached when it has them."""
    text, html = render(digest)
    attachments = [Attachment(digest.vcf_name, "text/vcard", digest.vcf)] if digest.vcf else []
    # The faces the HTML ended up showing (render may have dropped them for the size budget),
    # each once however many entries share it.
    shown = {e.photo.content_id: e.photo for e in digest.entries if e.photo and f"cid:{e.photo.content_id}" in html}
    attachments += [Attachment(f"face-{number}.jpg", photo.content_type, photo.data, content_id=photo.content_id)
                    for number, photo in enumerate(shown.values(), 1)]
    if digest.outlook_csv:
        attachments.append(Attachment(digest.outlook_csv_name, "text/csv", digest.outlook_csv))
    return BuiltEmail(subject_prefix + digest.subject, text, html, headers, attachments)


def digest_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of "digest" rows: skipped for the unsubscribed, and when there is nothing to say.

    Written in the recipient's language (in_recipient_language), whatever process sends it."""
    attendee, event = _recipient(row)
    with in_recipient_language(attendee, event):
        return _digest_email(attendee, event)


def _digest_email(attendee: Attendee, event: Event) -> BuiltEmail:
    preference = _preference(attendee)
    if preference is not None and preference.followups_off:
        raise SkipMessage("unsubscribed from follow-up emails")
    digest = build_digest(attendee)
    if not digest.entries:
        if event.digest_no_contacts == "none":
            raise SkipMessage("no contacts, and the event sends nothing to attendees without contacts")
        if not digest.matches:
            raise SkipMessage("no contacts, and nobody with matching topics")
    return as_email(digest, _list_headers(digest, event))


def reminder_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of "reminder" rows: only open follow-ups; skipped when none is left or reminders are
    off. In the recipient's language, like digests."""
    attendee, event = _recipient(row)
    with in_recipient_language(attendee, event):
        return _reminder_email(row, attendee, event)


def _reminder_email(row: OutboxMessage, attendee: Attendee, event: Event) -> BuiltEmail:
    preference = _preference(attendee)
    if preference is not None and (preference.followups_off or preference.reminders_off):
        raise SkipMessage("turned reminders off")
    if (row.payload or {}).get("keep_in_touch"):
        digest = build_keep_in_touch(attendee)
        if not digest.entries:
            raise SkipMessage("no contact who wants to keep in touch too")
        return as_email(digest, _list_headers(digest, event))
    days = int((row.payload or {}).get("days") or 0)
    digest = build_reminder(attendee, days)
    if not digest.entries:
        raise SkipMessage("no follow-ups left open")
    return as_email(digest, _list_headers(digest, event))
