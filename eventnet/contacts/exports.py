"""Exports of an owner's contacts (vCard, CSV) and of everything they own (JSON).

Every field of a contact comes from attendees.cards.card_for(), so an export holds exactly what
that person gives the owner at the moment of the download (nothing but the name once they took
their card back or it expired), and the owner's own note, tags, star and intent.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response

from ..attendees.models import Attendee
from ..badges.vcard import content_disposition, vcard_for
from ..connections.models import INTENTS, Connection, Scan
from ..promises.services import as_json as promise_json, my_promises
from ..database import utcnow
from ..extensions import db
from ..introductions import services as introductions
from ..meet import services as meet
from ..mycard.services import export as my_card_export
from ..mycard.services import holders as card_holders
from ..mycard.services import holding_export
from ..photos.services import export_entry as photo_export
from .outlook_csv import AddressBookEntry, outlook_csv
from .services import DIRECTIONS, ContactRow, contact_rows
from .spreadsheet import csv_bytes, safe_cell

FORMAT_VERSION = 1
CSV_COLUMNS = (
    "name", "headline", "company", "email", "phone", "linkedin", "website", "can help with",
    "looking for", "note", "tags", "starred", "intent", "scanned me/I scanned", "met at",
)


def _direction(connection: Connection) -> str:
    if connection.origin == "introduction":
        return "Introduced"
    return DIRECTIONS["i_scanned" if connection.initiated else "scanned_me"]


def _met_at(connection: Connection, attendee: Attendee) -> str:
    return attendee.event.local(connection.created_at).strftime("%Y-%m-%d %H:%M")


def csv_row(row: ContactRow, owner: Attendee) -> list[str]:
    """One contact as CSV cells in CSV_COLUMNS order; a deleted contact keeps only my own data."""
    card = row.card or {}
    connection = row.connection
    values = [
        row.name, card.get("headline"), card.get("company"), card.get("email"), card.get("phone"),
        card.get("linkedin"), card.get("website"), card.get("can_help_with"), card.get("looking_for"),
        connection.note, connection.tags or [], "yes" if connection.starred else "",
        INTENTS.get(connection.intent, "") if connection.intent != "none" else "",
        _direction(connection), _met_at(connection, owner),
    ]
    return [safe_cell(value) for value in values]


def contacts_csv(owner: Attendee) -> bytes:
    """Every contact of owner as CSV: UTF-8 with a BOM (Excel needs it to read UTF-8), CRLF lines."""
    header = list(CSV_COLUMNS)
    header[-1] = f"met at ({owner.event.timezone})"
    return csv_bytes(header, (csv_row(row, owner) for row in contact_rows(owner)))


def contact_vcard(row: ContactRow, owner: Attendee) -> str:
    """One contact as a vCard: their shared card, with my note as NOTE and my tags as CATEGORIES."""
    return vcard_for(row.card, note=row.connection.note or None, categories=list(row.connection.tags or []) or None,
                     event_name=owner.event.name)


def contacts_vcf(owner: Attendee) -> str:
    """Every contact of owner who still has an account, as one .vcf of several vCards."""
    # A deleted contact has no card to save; the note about them is in the CSV and JSON exports.
    return "".join(contact_vcard(row, owner) for row in contact_rows(owner) if row.card is not None)


def contacts_outlook_csv(owner: Attendee) -> bytes:
    """Every contact of owner who still has an account, as the CSV Outlook and Google Contacts import."""
    entries = (AddressBookEntry(row.card, row.connection.note or "", list(row.connection.tags or []))
               for row in contact_rows(owner) if row.card is not None)
    return outlook_csv(entries, owner.event.name)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


PROFILE_FIELDS = (
    "name", "email", "headline", "company", "bio", "phone", "linkedin", "website", "links",
    "can_help_with", "looking_for", "shared_fields", "card_expiry_months", "role", "short_code",
)


def everything(owner: Attendee) -> dict:
    """All data that is owner's: profile (with the photo file, base64, or None), sharing choices,
    contacts' shared cards with my notes, their prompted parts and my promises, my scans."""
    event = owner.event
    profile = {name: getattr(owner, name) for name in PROFILE_FIELDS}
    profile.update(created_at=_iso(owner.created_at), profile_updated_at=_iso(owner.profile_updated_at),
                   last_login_at=_iso(owner.last_login_at), photo=photo_export(owner))
    holdings = card_holders(owner)
    given = {holding.holder.id: holding for holding in holdings}
    contacts = []
    promises: dict[int, list[dict]] = {}
    for promise in my_promises(owner):
        promises.setdefault(promise.connection_id, []).append(promise_json(promise))
    for row in contact_rows(owner):
        connection = row.connection
        holding = given.get(connection.contact_id)
        contacts.append({
            "id": connection.id,
            "contact": row.card,
            "contact_deleted": row.card is None,
            "how_we_met": "introduced" if connection.origin == "introduction" else "i_scanned" if connection.initiated else "scanned_me",
            "met_at": _iso(connection.created_at),
            "phone_scan_time": _iso(connection.scanned_at),
            "note": connection.note,
            "works_on": connection.works_on,
            "needs": connection.needs,
            "offers": connection.offers,
            "promises": promises.get(connection.id, []),
            "tags": list(connection.tags or []),
            "starred": connection.starred,
            "intent": connection.intent,
            "intent_label": INTENTS.get(connection.intent, ""),
            "note_updated_at": _iso(connection.note_updated_at),
            "followup_done_at": _iso(connection.followup_done_at),
            # My own choice, and whether they chose it too: never their choice alone (issue 14).
            "keep_in_touch_at": _iso(connection.keep_in_touch_at),
            "keep_in_touch_mutual": row.mutual,
            # What I give them of my card (None once they deleted their account).
            "my_card_to_them": holding_export(holding) if holding is not None else None,
        })
    scans = db.session.execute(
        db.select(Scan).where(Scan.scanner_id == owner.id).order_by(Scan.received_at, Scan.id)
    ).scalars()
    return {
        "format": "eventnet-export",
        "version": FORMAT_VERSION,
        "exported_at": _iso(utcnow()),
        "event": {"slug": event.slug, "name": event.name, "timezone": event.timezone,
                  "starts_at": _iso(event.starts_at), "ends_at": _iso(event.ends_at), "venue": event.venue},
        "profile": profile,
        "contacts": contacts,
        "my_card": my_card_export(owner, holdings),
        "people_to_meet": meet.export(owner),
        # Introductions I asked and those asked of me, with my own answers only (issue 14).
        "introductions": introductions.export(owner),
        "scans": [
            {"client_uuid": scan.client_uuid, "contact_id": scan.connection_id,
             "phone_scan_time": _iso(scan.client_scanned_at), "received_at": _iso(scan.received_at),
             "new_connection": scan.created_connection}
            for scan in scans
        ],
    }


def attachment(body: str | bytes, mimetype: str, name: str, extension: str) -> Response:
    """A download: the body with its type, as a file `name.extension` that survives any browser."""
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(name, extension)
    # An export holds personal data: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
