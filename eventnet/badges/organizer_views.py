"""Badge printing, the organizer's screens of the badges: the print page (who, which paper, how
long), the badge sheet PDF and one attendee's badge for a reprint at the help desk. Paths sit in
the organizer's console (/e/<slug>/organizer/badges...); the attendee list links here. Reissuing a
badge stays with the people screens (organizer): it is an action on one person, from the list.
"""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from ..attendees import finder
from ..attendees.finder import ListQuery, get_attendee_or_404
from ..audit import services as audit
from ..auth.session import organizer_required
from ..branding.services import sheet_brand
from ..confirmation import Selection
from ..errors import fail
from ..extensions import db
from . import pdf as sheets
from .services import badge_url

bp = Blueprint("badge_printing", __name__, url_prefix="/e/<slug>/organizer")

MAX_BADGES_PER_PDF = 10_000  # about 15 s of rendering; more than that, print by search or use the CLI
DOWNLOAD_COOKIE = "badge_download"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _badge_selection() -> tuple[list[int] | None, ListQuery]:
    """Ticked ids, or the list's search and filters (everyone matching them)."""
    ids = None
    raw_ids = request.args.getlist("ids")
    if raw_ids:
        ids = [int(v) for v in raw_ids[:MAX_BADGES_PER_PDF] if v.isdigit() and len(v) < 12]
    return ids, ListQuery.from_args(request.args)


@bp.get("/badges")
@organizer_required
def page():
    """Print badges: which attendees, which paper, and how long generating will take."""
    ids, filters = _badge_selection()
    chosen = finder.attendees_for_badges(g.event, ids, filters)
    count = len(chosen)
    # Characters no badge font has would print as empty boxes: say which, before printing.
    unprintable = []
    for attendee in chosen:
        missing = sheets.unprintable(attendee.name, attendee.company or "", attendee.headline or "")
        if missing:
            unprintable.append((attendee, [(char, f"U+{ord(char):04X}") for char in missing]))
            if len(unprintable) == 50:
                break
    return render_template("badges/print.html", count=count, q=filters.q, filters=filters, ids=ids or [],
                           unprintable=unprintable,
                           seconds=sheets.estimate_seconds(count), download_token=secrets.token_urlsafe(12),
                           papers=sheets.PAPERS, too_many=count > MAX_BADGES_PER_PDF, limit=MAX_BADGES_PER_PDF)


@bp.get("/badges.pdf")
@organizer_required
def sheet_pdf():
    """The badge sheet PDF: everyone, everyone matching a search, or the ticked attendees."""
    paper = request.args.get("paper", "a4")
    if paper not in sheets.PAPERS and paper != "badge":
        fail(400, _("Choose A4, US Letter or one badge per page."))
    ids, filters = _badge_selection()
    chosen = finder.attendees_for_badges(g.event, ids, filters)
    if len(chosen) > MAX_BADGES_PER_PDF:
        fail(400, _("At most %(max)s badges fit in one download: print by search (e.g. by company), or use "
                    "flask badges pdf on the server.", max=format_decimal(MAX_BADGES_PER_PDF)))
    pdf = sheets.render_sheet(sheets.badge_data(chosen, badge_url), g.event.name, paper,
                              brand=sheet_brand(g.event), language=g.event.default_language)
    # Stored in English with its selection, so the log describes it in each reader's language.
    audit.record(g.event, g.attendee, "badges_printed", count=len(chosen), paper=paper,
                 **Selection(ids or None, filters).stored(len(chosen)))
    db.session.commit()
    response = _pdf_response(pdf, f"badges-{g.event.slug}-{paper}.pdf")
    token = request.args.get("download_token", "")
    if _TOKEN_RE.fullmatch(token):
        # Tells the page's script the download arrived, so it can stop saying "Generating…".
        response.set_cookie(DOWNLOAD_COOKIE, token, max_age=120, path=url_for("badge_printing.page", slug=g.event.slug),
                            samesite="Strict", secure=request.is_secure)
    return response


@bp.get("/attendees/<int:attendee_id>/badge.pdf")
@organizer_required
def single_pdf(attendee_id: int):
    """One attendee's badge, for a reprint at the help desk (one badge per page, or on a sheet)."""
    attendee = get_attendee_or_404(g.event, attendee_id)
    paper = request.args.get("paper", "badge")
    if paper not in sheets.PAPERS and paper != "badge":
        fail(400, _("Choose A4, US Letter or one badge per page."))
    pdf = sheets.render_sheet(sheets.badge_data([attendee], badge_url), g.event.name, paper,
                              brand=sheet_brand(g.event), language=g.event.default_language)
    return _pdf_response(pdf, f"badge-{attendee.short_code}.pdf")


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The QR codes lead to people's cards: keep the file out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
