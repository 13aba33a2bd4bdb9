"""The contact book, removing a contact, and exports (vCard, CSV, JSON)."""
from __future__ import annotations

import json

from flask import Blueprint, flash, g, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.session import attendee_required
from ..connections.models import INTENTS
from ..errors import fail
from ..htmx import redirect_to, render_page, wants_fragment
from . import exports, services

bp = Blueprint("contacts", __name__, url_prefix="/e/<slug>/contacts")


@bp.get("/")
@attendee_required
def book():
    """My contacts of this event: search as you type, filters and order, a page at a time."""
    filters = services.parse_filters(request.args)
    result = services.search_book(g.attendee, filters)
    fragment = wants_fragment()
    # oob: a swap of the results also refreshes the filters' summary, which lives outside them.
    response = render_page("contacts/book.html", "contacts/_results.html", result=result, filters=filters,
                           intents=INTENTS, directions=services.DIRECTIONS, sorts=services.SORTS, oob=fragment)
    if fragment:
        # The address bar shows the search without the form's empty fields (?q=ml, not ?q=ml&tag=&met=).
        response.headers["HX-Push-Url"] = url_for("contacts.book", slug=g.event.slug, **filters.args(page=""))
    return response


@bp.get("/<int:connection_id>/remove")
@attendee_required
def confirm_remove(connection_id: int):
    """Ask before removing a contact (the page a browser without JavaScript shows)."""
    row = services.contact_row_or_404(g.attendee, connection_id)
    return render_template("contacts/confirm_remove.html", row=row)


@bp.post("/<int:connection_id>/remove")
@attendee_required
def remove(connection_id: int):
    """Remove a contact from my book: my side and my note go; theirs stays as it is."""
    row = services.contact_row_or_404(g.attendee, connection_id)
    services.remove_contact(row.connection)
    flash(_("%(name)s was removed from your contacts, with your note. Their own list is unchanged.", name=row.name), "ok")
    return redirect_to(url_for("contacts.book", slug=g.event.slug))


@bp.get("/<int:connection_id>.vcf")
@attendee_required
def contact_vcf(connection_id: int):
    """One contact as a vCard to save in the phone's address book."""
    row = services.contact_row_or_404(g.attendee, connection_id)
    if row.card is None:
        fail(404, _("This person deleted their account, so there is no card to save. Your note is still in your list."))
    return exports.attachment(exports.contact_vcard(row, g.attendee), "text/vcard", row.name, "vcf")


@bp.get("/export.vcf")
@attendee_required
def export_vcf():
    """Every contact as one .vcf file that phones and mail programs import in one go."""
    return exports.attachment(exports.contacts_vcf(g.attendee), "text/vcard", f"contacts-{g.event.slug}", "vcf")


@bp.get("/export.csv")
@attendee_required
def export_csv():
    """Every contact as a spreadsheet (UTF-8 with BOM, formula-safe cells)."""
    return exports.attachment(exports.contacts_csv(g.attendee), "text/csv", f"contacts-{g.event.slug}", "csv")


@bp.get("/export-outlook.csv")
@attendee_required
def export_outlook_csv():
    """Every contact in the CSV layout Outlook (Windows) and Google Contacts import all at once."""
    body = exports.contacts_outlook_csv(g.attendee)
    return exports.attachment(body, "text/csv", f"contacts-{g.event.slug}-outlook-google", "csv")


@bp.get("/export.json")
@attendee_required
def export_json():
    """Everything that is mine in this event, as JSON: profile, contacts, notes, scans."""
    body = json.dumps(exports.everything(g.attendee), ensure_ascii=False, indent=2)
    return exports.attachment(body, "application/json", f"my-data-{g.event.slug}", "json")
