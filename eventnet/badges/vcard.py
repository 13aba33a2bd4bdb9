"""vCard 3.0 (RFC 2426) built from a public card dict, written by vobject.

Every caller passes a card from attendees.cards.public_card(), so a vCard can only hold what
its person shares. What the files carry, and for which client (README, "Contacts out"):

- vCard 3.0: the version iOS, macOS, Google Contacts, Android's own importer and Outlook all
  read; Android's stock importer refuses 4.0 files, and Outlook exports only 2.1 but reads 3.0.
- UTF-8 without a byte order mark: Android's parser (AOSP com.android.vcard) expects the first
  line to be exactly BEGIN:VCARD, so a BOM in front of it costs the first contact or the file.
- CHARSET=UTF-8 on every property whose value is not plain ASCII: Outlook (Windows) reads a
  value without it as Windows-1252 and older macOS Address Book as Mac Roman, and iOS has
  garbled names without it; with it, all three read UTF-8. RFC 2426 names no CHARSET parameter
  (the MIME type carries the charset), but it is the vCard 2.1 parameter every reader still
  honours, Android's included. ASCII values carry none: they read the same in every code page.
- N from attendees.names (the person's own parts, else a faithful parse), FN the display name.

vobject escapes (backslash, comma, semicolon, newline) and folds with CRLF + space. Its folding
has one gap: a line under 75 characters is written whole even when its UTF-8 is longer than 75
octets (a short CJK name with its parameter). RFC 2426 makes folding a SHOULD and unfolding a
MUST (RFC 2425 section 5.8.1), so readers take either; longer lines fold at 75 octets without
splitting a character.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import vobject

from ..attendees.names import name_parts

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(value: object) -> str:
    """A value as text: CR and CRLF become LF, other control characters are dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text.replace("\t", " "))


def _uri(value: object) -> str:
    # URI values are not escaped by the standard, but many readers unescape every value anyway
    # (vobject escapes them as text too); percent-encoding the characters both readings
    # disagree on gives the same URL to either.
    return quote(_clean(value).strip(), safe="/:?#[]@!$&'()*+=-._~%")


def _as_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def note_text(card: Mapping, note: str | None, event_name: str | None) -> str:
    """The NOTE of a contact: my note, "Met at <event>.", their bio and topics, in paragraphs."""
    parts = []
    if note and note.strip():
        parts.append(note.strip())
    if event_name:
        parts.append(f"Met at {event_name}.")
    if card.get("bio"):
        parts.append(str(card["bio"]).strip())
    for key, label in (("can_help_with", "Can help with"), ("looking_for", "Looking for")):
        topics = _as_list(card.get(key))
        if topics:
            parts.append(f"{label}: {', '.join(topics)}")
    return "\n\n".join(parts)


def card_urls(card: Mapping) -> list[str]:
    """The card's URLs in the order a contact lists them: LinkedIn, website, then other links."""
    urls = [card[key] for key in ("linkedin", "website") if card.get(key)]
    urls += [link["url"] for link in card.get("links") or () if isinstance(link, Mapping) and link.get("url")]
    return urls


def _add(vcard: vobject.base.Component, name: str, value: str | list[str] | vobject.vcard.Name,
         **params: str) -> None:
    """Add a property; CHARSET=UTF-8 when any part of its value is not ASCII (module docstring)."""
    prop = vcard.add(name)
    prop.value = value
    # str() of a vobject Name is its five parts joined; a list is ORG's or CATEGORIES' parts.
    if not all(part.isascii() for part in (value if isinstance(value, list) else [str(value)])):
        prop.params["CHARSET"] = ["UTF-8"]
    for key, item in params.items():
        prop.params[key.upper()] = [item]


# The card's own properties (N to URL) as vobject serialized them, keyed on what they are made
# from: a contact appears in the vCards of everyone who met them, with only NOTE and CATEGORIES
# (the holder's note and tags) differing. About 2.3 KB an entry: bounded so that the sender's
# peak memory stays within 1.3 times an idle sender's at 10,000 attendees (bench/digest_bench.py;
# 4,096 entries took 9.5 MB and the ratio to 1.30). Digests go out in the order they were queued,
# and the people one attendee met are mostly met by others near them in that order.
_SHARED: dict[tuple, tuple[tuple[str, str], ...]] = {}
SHARED_CACHE = 1024
_PLACEHOLDER = "x"  # the FN vobject requires of the vCard that serializes NOTE and CATEGORIES alone


def _blocks(serialized: str) -> tuple[tuple[str, str], ...]:
    """(property name, its folded lines) of each property of one serialized vCard, BEGIN,
    VERSION and END left out, in the order vobject wrote them."""
    blocks: list[tuple[str, str]] = []
    for line in serialized.split("\r\n")[:-1]:
        if line.startswith(" "):
            name, text = blocks[-1]
            blocks[-1] = (name, f"{text}{line}\r\n")
        else:
            blocks.append((sys.intern(re.split("[;:]", line, maxsplit=1)[0].lower()), f"{line}\r\n"))
    return tuple(block for block in blocks if block[0] not in ("begin", "version", "end"))


def card_component(card: Mapping) -> vobject.base.Component:
    """The card's own properties (N, FN, ORG, TITLE, EMAIL, TEL, URL) as a vobject vCard."""
    name = _clean(card.get("name")).strip() or "Unnamed contact"
    clean = {key: _clean(card.get(key)).strip() for key in ("name_prefix", "given_name", "family_name", "name_suffix")}
    parts = name_parts({**clean, "name": name})
    vcard = vobject.vCard()
    _add(vcard, "n", vobject.vcard.Name(family=parts.family, given=parts.given, additional=parts.additional,
                                        prefix=parts.prefix, suffix=parts.suffix))
    _add(vcard, "fn", name)
    if card.get("company"):
        _add(vcard, "org", [_clean(card["company"])])
    if card.get("headline"):
        _add(vcard, "title", _clean(card["headline"]))
    if card.get("email"):
        _add(vcard, "email", _clean(card["email"]), type="INTERNET")
    if card.get("phone"):
        _add(vcard, "tel", _clean(card["phone"]), type="VOICE")
    for url in card_urls(card):
        _add(vcard, "url", _uri(url))
    return vcard


def _shared_blocks(card: Mapping) -> tuple[tuple[str, str], ...]:
    key = (*(_clean(card.get(k)) if card.get(k) else None
             for k in ("name", "name_prefix", "given_name", "family_name", "name_suffix",
                       "company", "headline", "email", "phone")),
           *(_uri(url) for url in card_urls(card)))
    blocks = _SHARED.get(key)
    if blocks is not None:
        return blocks
    blocks = _blocks(card_component(card).serialize())
    if len(_SHARED) >= SHARED_CACHE:
        _SHARED.pop(next(iter(_SHARED)))  # the oldest: dicts keep insertion order
    _SHARED[key] = blocks
    return blocks


def vcard_for(
    card: Mapping,
    *,
    note: str | None = None,
    categories: list[str] | None = None,
    event_name: str | None = None,
) -> str:
    """One vCard 3.0 (CRLF lines, folded) for a public card; note, categories and event are optional."""
    blocks = list(_shared_blocks(card))
    text = note_text(card, note, event_name)
    tags = [_clean(tag).strip() for tag in categories or () if _clean(tag).strip()]
    if text or tags:
        # vobject writes each property on its own and in the order of their names, so NOTE and
        # CATEGORIES serialized beside a placeholder FN are the very lines they would be in the
        # whole card; they go in where that order puts them.
        own = vobject.vCard()
        _add(own, "fn", _PLACEHOLDER)
        if text:
            _add(own, "note", _clean(text))
        if tags:
            _add(own, "categories", tags)
        blocks += [block for block in _blocks(own.serialize()) if block[0] != "fn"]
        blocks.sort(key=lambda block: block[0])  # stable: the URLs keep their order
    return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(text for _name, text in blocks) + "END:VCARD\r\n"


def vcards(cards: Iterable[Mapping]) -> str:
    """Several cards as one .vcf body (vCards one after another, as contact books expect)."""
    return "".join(vcard_for(card) for card in cards)


def _ascii_filename(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:60] or "contact"


def content_disposition(name: str, extension: str = "vcf") -> str:
    """An attachment header with an ASCII filename and the real name as filename* (RFC 6266)."""
    # No path separators, quotes or control characters; no leading dots (hidden files).
    real = " ".join(re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", name).split()).strip(" .")[:80] or "contact"
    return (
        f'attachment; filename="{_ascii_filename(real)}.{extension}"; '
        f"filename*=UTF-8''{quote(f'{real}.{extension}', safe='')}"
    )
