"""Contacts as the CSV Outlook (Windows) and Google Contacts import: Outlook's own column names.

Why a CSV next to the .vcf: Outlook for Windows imports only the first vCard of a file that holds
several (observed with Outlook 2003 onwards: EWSoftware PDI's "Interaction with Microsoft
Outlook"; microformats.org "vcard-implementations"), while its Import/Export wizard ("Comma
Separated Values") takes any number of rows and maps columns by Outlook's own header names.
Google Contacts' import takes the same file: it reads the CSV layout Outlook exports.

Layout: a subset of the columns Outlook's own export writes, in its order ("Title", "First
Name", "Middle Name", "Last Name", "Suffix", "Company", ... "Web Page"). Importers match columns
by name, so the others can be left out. One row per contact; the cells hold what the vCard holds
(vcard.py), with these choices:

- Name columns from attendees.names, as vCard N: "Title" is the prefix (Dr.), "Middle Name" the
  additional names. Outlook composes the shown name from them, so a CJK name whole in "Last
  Name" shows as written.
- "Business Phone": the number someone shares on their conference card; we cannot tell a mobile
  from a desk phone, and Business is the phone Outlook's business card shows.
- "Web Page": the website, else LinkedIn, else the first other link (Outlook has one web page
  field); the other URLs go at the end of "Notes", one per line with their label.
- "Notes": the vCard's NOTE (my note, "Met at <event>.", bio, topics) and those URLs.
- "Categories": my tags separated by ";". Outlook treats ";" and "," (and their full-width forms)
  as separators between categories (MS-OXCICAL 2.1.3.1.1.20.3, Outlook's rule for imported
  categories), so a separator inside a tag becomes a space rather than splitting it.

Encoding UTF-8 with a BOM: Excel reads a CSV without one in the Windows code page, and Outlook's
import needs the BOM to read UTF-8 as well (README, "Contacts out"). Every cell is spreadsheet-safe (spreadsheet.safe_cell), except a
phone number made only of digits, spaces and + ( ) - . : it cannot call a function or another
program, and an apostrophe in front of "+49 ..." would be imported into every address book as
part of the number.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..attendees.names import name_parts
from ..badges.vcard import note_text
from .spreadsheet import csv_bytes, safe_cell

COLUMNS = (
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Job Title", "Business Phone",
    "Categories", "E-mail Address", "Notes", "Web Page",
)
_PHONE = re.compile(r"\+?[0-9 ().\-]*")
_CATEGORY_SEPARATORS = re.compile(r"[;,\u061b\ufe54\uff1b\uff0c]+")


@dataclass(frozen=True)
class AddressBookEntry:
    """One contact to write: their public card (attendees.cards.public_card), my note and tags."""

    card: Mapping
    note: str = ""
    tags: Sequence[str] = field(default_factory=tuple)


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def _links(card: Mapping) -> tuple[str, list[str]]:
    """(the "Web Page" URL, the other URLs as "Label: URL" lines for the notes)."""
    labelled = []
    if card.get("website"):
        labelled.append(("Website", card["website"]))
    if card.get("linkedin"):
        labelled.append(("LinkedIn", card["linkedin"]))
    for link in card.get("links") or ():
        if isinstance(link, Mapping) and link.get("url"):
            labelled.append((_one_line(link.get("label")) or "Link", link["url"]))
    if not labelled:
        return "", []
    return labelled[0][1], [f"{label}: {url}" for label, url in labelled[1:]]


def _phone_cell(phone: object) -> str:
    text = _one_line(phone)
    return text if _PHONE.fullmatch(text) else safe_cell(text)


def outlook_row(entry: AddressBookEntry, event_name: str | None) -> list[str]:
    """One contact as cells in COLUMNS order."""
    card = entry.card
    parts = name_parts(card)
    web_page, other_links = _links(card)
    notes = "\n\n".join(text for text in (note_text(card, entry.note, event_name), "\n".join(other_links)) if text)
    tags = [_one_line(_CATEGORY_SEPARATORS.sub(" ", str(tag))) for tag in entry.tags or ()]
    cells = {
        "Title": parts.prefix, "First Name": parts.given, "Middle Name": parts.additional,
        "Last Name": parts.family, "Suffix": parts.suffix, "Company": card.get("company"),
        "Job Title": card.get("headline"), "Categories": ";".join(tag for tag in tags if tag),
        "E-mail Address": card.get("email"), "Notes": notes, "Web Page": web_page,
    }
    return [_phone_cell(card.get("phone")) if column == "Business Phone" else safe_cell(cells[column])
            for column in COLUMNS]


def outlook_csv(entries: Iterable[AddressBookEntry], event_name: str | None) -> bytes:
    """The whole file: a header of Outlook's column names, then one row per contact."""
    return csv_bytes(COLUMNS, (outlook_row(entry, event_name) for entry in entries))
