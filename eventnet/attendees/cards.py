"""The one place that decides what of a person others may see: their public card.

Cards after a scan, the badge page, vCards, exports and digests all call public_card(), so that
a field someone chose not to share cannot leak through a feature that forgot to check.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from ..database import utcnow
from .links import is_linkedin, shown_url
from .models import NAME_PARTS, SHAREABLE_FIELDS, Attendee


def split_topics(text: str | None) -> list[str]:
    """'a, b ,, c' -> ['a', 'b', 'c']."""
    return [" ".join(part.split()) for part in (text or "").split(",") if part.strip()]


def _links(attendee: Attendee) -> list[dict]:
    links = []
    for link in attendee.links or ():
        url = shown_url(link.get("url")) if isinstance(link, dict) else None
        if url:
            links.append({"label": link.get("label") or url, "url": url})
    return links


def _url_field(field: str, value: str) -> str:
    # Checked again here, not only when saved: a URL stored before a rule existed must not
    # become a link (nor be called LinkedIn) on any card, vCard, export or digest.
    url = shown_url(value)
    if url and field == "linkedin" and not is_linkedin(url):
        return ""
    return url or ""


def public_card(attendee: Attendee, only: Iterable[str] | None = None) -> dict:
    """The fields this attendee shares, non-empty only; the name always.

    Keys: name; photo_url (the path of their photo, while they have one and share it: see
    photos.services); the parts of the name the person gave (name_prefix, given_name, family_name,
    name_suffix), shared with it since they are the name as address books file it (see names.py);
    and when shared: headline, company, bio, email, phone, linkedin, website (str),
    links (list of {label, url}), can_help_with and looking_for (lists of topics; "topics").
    URLs only when fit to be links (links.shown_url), LinkedIn only on linkedin.com.
    `only` narrows it further to those shareable fields (what its person gives one holder: card_for).
    """
    allowed = set(attendee.shared_fields or ())
    if only is not None:
        allowed &= set(only)
    card: dict = {"name": attendee.name}
    if attendee.photo_key and "photo" in allowed:
        from ..photos.services import photo_url  # here: photos imports the attendees models

        card["photo_url"] = photo_url(attendee.photo_key)
    for part in NAME_PARTS:
        value = (getattr(attendee, part) or "").strip()
        if value:
            card[part] = value
    for field in ("headline", "company", "bio", "email", "phone", "linkedin", "website"):
        value = (getattr(attendee, field) or "").strip()
        if value and field in ("linkedin", "website"):
            value = _url_field(field, value)
        if value and field in allowed:
            card[field] = value
    if "links" in allowed:
        links = _links(attendee)
        if links:
            card["links"] = links
    if "topics" in allowed:
        for field in ("can_help_with", "looking_for"):
            topics = split_topics(getattr(attendee, field))
            if topics:
                card[field] = topics
    return card


# ----------------------------------------------------------------------------- one holder's copy


class Grant(Protocol):
    """What a person gives one holder of their card: the holder's Connection row toward them."""

    card_fields: list | None
    card_revoked_at: datetime | None


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, the day clamped to the month's last (31 Jan + 1 = 28/29 Feb)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def expires_at(person: Attendee, ends_at: datetime | None = None) -> datetime | None:
    """When every copy of person's card shrinks to name and event: the event's end plus their
    card_expiry_months; None when they chose no expiry. `ends_at` spares loading the event."""
    months = person.card_expiry_months
    if not months:
        return None
    return add_months(ends_at if ends_at is not None else person.event.ends_at, months)


def withheld(person: Attendee, grant: Grant | None, ends_at: datetime | None = None,
             now: datetime | None = None) -> str | None:
    """Why the holder of `grant` sees only person's name: "revoked", "expired", or None."""
    if grant is not None and grant.card_revoked_at is not None:
        return "revoked"
    expiry = expires_at(person, ends_at)
    if expiry is not None and (now or utcnow()) >= expiry:
        return "expired"
    return None


def granted_fields(person: Attendee, grant: Grant | None) -> list[str]:
    """The shareable fields the holder of `grant` gets, in card order: the holder's own choice
    (card_fields) within what the profile shares, or the profile's defaults when none was made."""
    shared = set(person.shared_fields or ())
    chosen = grant.card_fields if grant is not None and grant.card_fields is not None else shared
    return [field for field in SHAREABLE_FIELDS if field in shared and field in chosen]


def name_only(card: dict) -> dict:
    """A card cut to the name (and its parts, which are the name as address books file it)."""
    return {key: value for key, value in card.items() if key == "name" or key in NAME_PARTS}


def card_for(person: Attendee, grant: Grant | None, *, ends_at: datetime | None = None,
             now: datetime | None = None) -> dict:
    """What the holder of `grant` (their own Connection row toward `person`) sees of person:
    public_card(person) narrowed by what person gives them; the name only once taken back or
    expired. Every page, file and email that shows a contact's card to its owner calls this.

    `grant` None (a badge seen by someone without a copy) means the profile's defaults.
    """
    if withheld(person, grant, ends_at, now):
        return name_only(public_card(person, only=()))
    only = grant.card_fields if grant is not None and grant.card_fields is not None else None
    return public_card(person, only=only)
