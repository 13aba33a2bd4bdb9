"""The organizer's sample digest: the event's own digest, filled with made-up people.

Invariant: an organizer's digest preview and test send never show a real attendee's contacts
or notes. Everything here is built from the made-up people below and the event's own settings
(name, dates, reply-to, schedule); nothing reads an attendee, a connection or a note. The
entries go through the same build.entry_for() and the same mail templates as every attendee's
digest, so the sample shows exactly the layout that will be sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import gettext as _, lazy_gettext as _l

from ..attendees.models import Attendee
from ..events.models import Event
from ..i18n.selection import in_recipient_language
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import BuiltEmail, SkipMessage
from .build import (
    AbsoluteUrls,
    Digest,
    Match,
    PromiseLine,
    as_email,
    card_links,
    entry_for,
    fill_contacts,
    fill_matches,
    new_digest,
    reach_for,
    sort_entries,
)
from .schedule import KIND_DIGEST
from .suggestions import meeting_draft

VARIANTS = {  # variant -> the sample page's button: the digest of an attendee ...
    "contacts": _l("With contacts"),
    "matches": _l("Without contacts"),
}
def subject_prefix() -> str:
    """"[Sample] " before a test send's subject, in the current language."""
    return _("[Sample]") + " "

RECIPIENT = "Sam Example"
# The made-up recipient's own topics, which the suggestions compare with their contacts'.
RECIPIENT_HELPS = ["Python", "Mentoring"]
RECIPIENT_NEEDS = ["Funding", "Design"]
# Where the sample's "Mark done", "Add coffee to calendar" and "Open in the app" lead: the
# sample page's explanation of them (a real digest's links are signed for its attendee).
LINKS_ANCHOR = "sample-links"


@dataclass(frozen=True)
class SampleContact:
    """A made-up contact: their shared card, and the recipient's note, tags, star and intent about them."""

    id: int
    card: dict
    note: str = ""
    tags: list[str] = field(default_factory=list)
    works_on: str = ""
    needs: str = ""
    offers: str = ""
    promises: tuple[str, ...] = ()
    starred: bool = False
    intent: str = "none"
    done: bool = False

    @property
    def followup_done_at(self) -> datetime | None:
        return datetime(2000, 1, 1, tzinfo=timezone.utc) if self.done else None


# Addresses and sites are on the example domains (RFC 2606): nothing here reaches anyone.
CONTACTS = (
    SampleContact(
        1, {"name": "Amara Okafor", "headline": "Head of Data", "company": "Lumen Transit",
            "email": "amara@example.com", "website": "https://example.com/amara"},
        note="Asked whether we are hiring data engineers", works_on="live dashboards for the city's buses",
        promises=("send the slides on offline sync",),
        tags=["data", "speaker"], starred=True, intent="send"),
    SampleContact(
        2, {"name": "Jonas Weber", "headline": "Engineering manager", "company": "Brightline Rail",
            "email": "jonas@example.org", "looking_for": ["Mentoring", "Rust"]},
        note="In town again in June", needs="a mentor for two new team leads", tags=["berlin"], intent="coffee"),
    SampleContact(
        3, {"name": "Mei Tanaka", "headline": "Founder", "company": "Kumo Robotics", "email": "mei@example.net",
            "can_help_with": ["Funding", "Hardware"],
            "links": [{"label": "Company blog", "url": "https://example.net/kumo/blog"}]},
        needs="an introduction to a hardware investor", offers="feedback on the pitch deck",
        tags=["founder", "robotics"], intent="introduce"),
    SampleContact(
        4, {"name": "Lucas Moreau", "headline": "Product designer", "company": "Atelier Nord",
            "website": "https://example.org/lucas"},
        note="Hiring a senior designer in the autumn", tags=["design", "hiring"], intent="job", done=True),
    SampleContact(
        5, {"name": "Priya Raman", "headline": "Developer advocate", "company": "Open Maps Collective",
            "email": "priya@example.com"},
        note="Great talk on accessibility testing; wants our screen reader checklist"),
    # People met without a note: the compact list at the end of a real digest.
    SampleContact(6, {"name": "Tomás Ruiz", "headline": "Data engineer", "company": "Puerto Analytics",
                      "email": "tomas@example.org"}),
    SampleContact(7, {"name": "Hana Kobayashi", "headline": "Student", "company": "Tohoku University",
                      "linkedin": "https://www.linkedin.com/in/example-hana"}),
    SampleContact(8, {"name": "Ines Duarte", "headline": "Community manager", "company": "Lisboa Tech Week"}),
)

MATCHES = (
    {"name": "Elena Petrova", "headline": "CTO", "company": "Harbor Health", "email": "elena@example.org",
     "looking_for": ["Mentoring"], "can_help_with": []},
    {"name": "Kwame Mensah", "headline": "Angel investor", "company": "", "email": "kwame@example.com",
     "looking_for": [], "can_help_with": ["Funding"]},
    {"name": "Sofia Lindgren", "headline": "UX researcher", "company": "Nordlys Studio",
     "website": "https://example.net/sofia", "looking_for": ["Python"], "can_help_with": ["Design"]},
)


def build_sample_digest(event: Event, variant: str = "contacts") -> Digest:
    """The event's digest for a made-up attendee: with made-up contacts, or (variant "matches")
    the short email attendees without contacts get, with made-up people to meet."""
    urls = AbsoluteUrls()
    digest = new_digest(event, KIND_DIGEST, RECIPIENT, urls)
    digest.sample = True
    # A real unsubscribe link is signed for its attendee; the sample's leads to the choices page.
    digest.unsubscribe_url = digest.settings_url
    if variant == "matches":
        fill_matches(digest, [_match(card, event) for card in MATCHES])
        return digest
    explained = urls("digests.organizer_sample", slug=event.slug) + f"#{LINKS_ANCHOR}"
    entries = [
        entry_for(contact, dict(contact.card), event_name=event.name, my_help=RECIPIENT_HELPS,
                  my_needs=RECIPIENT_NEEDS, link=lambda kind: explained, sender_name=RECIPIENT,
                  promises=[PromiseLine(text, "", explained) for text in contact.promises])
        for contact in CONTACTS
    ]
    sort_entries(entries)
    fill_contacts(digest, entries, event)
    return digest


def _match(card: dict, event: Event) -> Match:
    they_need = [t for t in card["looking_for"] if t in RECIPIENT_HELPS]
    they_offer = [t for t in card["can_help_with"] if t in RECIPIENT_NEEDS]
    return Match(
        name=card["name"], headline=card.get("headline", ""), company=card.get("company", ""),
        they_need=they_need, they_offer=they_offer,
        reach=reach_for(card, _("We both went to %(event)s", event=event.name),
                        meeting_draft(card["name"], event.name, they_need, they_offer, RECIPIENT), card["name"]),
        links=card_links(card),
    )


def sample_email(row: OutboxMessage) -> BuiltEmail:
    """Builder of an organizer's test send: the sample digest of the row's event, to the organizer.

    The row carries the variant only; an older row that names an attendee is sent the sample too.
    """
    event = db.session.get(Event, row.event_id) if row.event_id else None
    if event is None:
        raise SkipMessage("the event no longer exists")
    variant = (row.payload or {}).get("variant")
    # In the organizer's own language: they are the one who reads it.
    organizer = db.session.get(Attendee, row.attendee_id) if row.attendee_id else None
    with in_recipient_language(organizer, event):
        digest = build_sample_digest(event, variant if variant in VARIANTS else "contacts")
        headers = {"Reply-To": event.reply_to} if event.reply_to else {}
        return as_email(digest, headers, subject_prefix=subject_prefix())
