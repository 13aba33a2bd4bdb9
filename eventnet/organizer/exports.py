"""The attendee list as a file for the organizer: CSV (UTF-8 with BOM) and XLSX (openpyxl).

What goes out is what the console's list shows: name, email, company, headline, role, badge code,
last login and a contact *count*. Never anyone's notes, tags or contacts (DESIGN: an organizer is
trusted with the event, never with attendees' notes). Every text cell is formula-safe: a value
starting with = + - @ (or a tab, a CR) gets a leading apostrophe, so a spreadsheet shows it
as text instead of running it; in the XLSX the cell is also stored as a string, never a formula.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

from flask_babel import gettext as _

from ..attendees.models import Attendee
from ..contacts.spreadsheet import csv_bytes, safe_cell
from ..events.models import Event
from ..i18n.markers import N_

# The column names are in the organizer's language (header()); the cells are the data as stored.
HEADER = (N_("Name"), N_("Email"), N_("Company"), N_("Headline"), N_("Role"), N_("Badge code"), N_("Last login"),
          N_("Contacts"))
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header() -> list[str]:
    """HEADER in the reader's language."""
    return [_(name) for name in HEADER]


def rows(event: Event, people: Iterable[tuple[Attendee, int]]) -> list[list[str | int]]:
    """One list per attendee in HEADER's order; texts formula-safe, the contact count a number."""
    out = []
    for attendee, contacts in people:
        login = event.local(attendee.last_login_at).strftime("%Y-%m-%d %H:%M") if attendee.last_login_at else ""
        texts = (attendee.name, attendee.email, attendee.company, attendee.headline, attendee.role,
                 attendee.short_code, login)
        out.append([safe_cell(value) for value in texts] + [contacts])
    return out


def attendees_csv(event: Event, people: Iterable[tuple[Attendee, int]]) -> bytes:
    """The attendees as CSV for Excel, LibreOffice and Google Sheets (UTF-8 with BOM, CRLF)."""
    return csv_bytes(header(), [[str(v) for v in row] for row in rows(event, people)])


def attendees_xlsx(event: Event, people: Iterable[tuple[Attendee, int]]) -> bytes:
    """The attendees as an Excel workbook: one sheet, a bold header row, texts stored as strings."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = _("Attendees")[:31]  # a sheet name holds 31 characters at most
    sheet.append(header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(event, people):
        sheet.append(row)
        for cell in sheet[sheet.max_row][: len(HEADER) - 1]:
            # openpyxl stores any string starting with "=" as a formula: force text, whatever it holds.
            cell.data_type = "s"
    for letter, width in zip("ABCDEFGH", (28, 32, 24, 28, 11, 12, 17, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
