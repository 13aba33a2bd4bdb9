"""The one place that decides what of a person others may see: their public card.

Cards after a scan, the badge page, vCards, exports and digests all call public_card(), so that
a field someone chose not to share cannot leak through a feature that forgot to check.
"""
from __future__ import annotations

from .links import is_linkedin, shown_url
from .models import NAME_PARTS, Attendee


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


def public_card(attendee: Attendee) -> dict:
    """The fields this attendee shares, non-empty only; the name always.

    Keys: name; photo_url (the path of their photo, while they have one and share it: see
    photos.services); the parts of the name the person gave (name_prefix, given_name, family_name,
    name_suffix), shared with it since they are the name as address books file it (see names.py);
    and when shared: headline, company, bio, email, phone, linkedin, website (str),
    links (list of {label, url}), can_help_with and looking_for (lists of topics; "topics").
    URLs only when fit to be links (links.shown_url), LinkedIn only on linkedin.com.
    """
    card: dict = {"name": attendee.name}
    if attendee.photo_key and attendee.shares("photo"):
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
        if value and attendee.shares(field):
            card[field] = value
    if attendee.shares("links"):
        links = _links(attendee)
        if links:
            card["links"] = links
    if attendee.shares("topics"):
        for field in ("can_help_with", "looking_for"):
            topics = split_topics(getattr(attendee, field))
            if topics:
                card[field] = topics
    return card
