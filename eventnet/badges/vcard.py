"""vCard 3.0 (RFC 2426, escaping as in RFC 6350) built from a public card dict.

Every caller passes a card from attendees.cards.public_card(), so a vCard can only hold what
its person shares. Phones import vCard 3.0 most reliably; 4.0 is still patchy on some of them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote

CRLF = "\r\n"
LINE_OCTETS = 75  # RFC 2426 §2.6 / RFC 6350 §3.2: lines longer than this SHOULD be folded
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(value: object) -> str:
    """A value as text: CR and CRLF become LF, other control characters are dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text.replace("\t", " "))


def escape_text(value: object) -> str:
    """Escape a TEXT value: backslash first, then comma, semicolon and newline (RFC 6350 §3.4)."""
    text = _clean(value)
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _uri(value: object) -> str:
    # URI values are not escaped by the standard, but many readers unescape every value anyway;
    # percent-encoding the characters both readings disagree on gives the same URL to either.
    return quote(_clean(value).strip(), safe="/:?#[]@!$&'()*+=-._~%")


def fold(line: str) -> str:
    """Fold a content line at 75 octets with CRLF + space, never inside a UTF-8 sequence."""
    # Fast paths (a digest folds thousands of lines): short lines, and ASCII where a
    # character is an octet and plain slicing gives the same folds as the loop below.
    if len(line) <= LINE_OCTETS and len(line.encode("utf-8")) <= LINE_OCTETS:
        return line + CRLF
    if line.isascii():
        width = LINE_OCTETS - 1
        parts = [line[:LINE_OCTETS]] + [line[i:i + width] for i in range(LINE_OCTETS, len(line), width)]
        return (CRLF + " ").join(parts) + CRLF
    out: list[str] = []
    current: list[str] = []
    size = 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
            limit = LINE_OCTETS - 1  # continuation lines start with the folding space
        current.append(char)
        size += width
    out.append("".join(current))
    return (CRLF + " ").join(out) + CRLF


def split_name(name: str) -> tuple[str, str]:
    """(family, given) for N: the last word is the family name, the rest given names."""
    words = _clean(name).split()
    if len(words) < 2:
        return "", " ".join(words)
    return words[-1], " ".join(words[:-1])


def _as_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def _note(card: Mapping, note: str | None, event_name: str | None) -> str:
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


def vcard_for(
    card: Mapping,
    *,
    note: str | None = None,
    categories: list[str] | None = None,
    event_name: str | None = None,
) -> str:
    """One vCard 3.0 (CRLF lines, folded) for a public card; note, categories and event are optional."""
    name = _clean(card.get("name")).strip() or "Unnamed contact"
    family, given = split_name(name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{escape_text(family)};{escape_text(given)};;;",
        f"FN:{escape_text(name)}",
    ]
    if card.get("company"):
        lines.append(f"ORG:{escape_text(card['company'])}")
    if card.get("headline"):
        lines.append(f"TITLE:{escape_text(card['headline'])}")
    if card.get("email"):
        lines.append(f"EMAIL;TYPE=INTERNET:{escape_text(card['email'])}")
    if card.get("phone"):
        lines.append(f"TEL;TYPE=VOICE:{escape_text(card['phone'])}")
    for key in ("linkedin", "website"):
        if card.get(key):
            lines.append(f"URL:{_uri(card[key])}")
    for link in card.get("links") or ():
        url = link.get("url") if isinstance(link, Mapping) else None
        if url:
            lines.append(f"URL:{_uri(url)}")
    text = _note(card, note, event_name)
    if text:
        lines.append(f"NOTE:{escape_text(text)}")
    tags = [escape_text(tag) for tag in categories or () if _clean(tag).strip()]
    if tags:
        lines.append(f"CATEGORIES:{','.join(tags)}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


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
