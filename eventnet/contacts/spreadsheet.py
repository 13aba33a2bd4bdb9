"""CSV files that spreadsheets and address books open cleanly: UTF-8 with a BOM, CRLF, no formulas.

Shared by the contact book's own CSV (exports.contacts_csv) and the Outlook / Google Contacts CSV
(outlook_csv), so both neutralise formulas the same way.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"); a
# leading apostrophe makes Excel, LibreOffice and Google Sheets show it as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str:
    """A value as one cell's text: lists joined with ", ", dicts by their values, None empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(item) for item in value if item)
    if isinstance(value, dict):
        return " ".join(cell_text(item) for item in value.values() if item)
    return str(value)


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = cell_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV file: UTF-8 with a BOM (Excel and Outlook read UTF-8 only with it), CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
