"""The organizer's pages of one event."""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, request, url_for

from ..auth.session import organizer_required
from ..htmx import redirect_to, render_page
from . import services

bp = Blueprint("organizer", __name__, url_prefix="/e/<slug>/organizer")


@bp.get("/attendees")
@organizer_required
def attendees():
    """The event's attendees: search, pages, each one's status and help-desk actions."""
    result = services.search_attendees(
        g.event, request.args.get("q", ""), services.parse_page(request.args.get("page"))
    )
    return render_page("organizer/attendees.html", "organizer/_attendee_rows.html", result=result)


@bp.get("/attendees/<int:attendee_id>/reissue-badge")
@organizer_required
def confirm_reissue(attendee_id: int):
    """Ask before reissuing a badge: the old QR stops working at once."""
    attendee = services.get_attendee_or_404(g.event, attendee_id)
    return render_template("organizer/confirm_reissue.html", attendee=attendee)


@bp.post("/attendees/<int:attendee_id>/reissue-badge")
@organizer_required
def reissue_badge(attendee_id: int):
    """Reissue an attendee's badge (lost badge) and go back to the list."""
    attendee = services.reissue_attendee_badge(g.event, attendee_id)
    flash(f"{attendee.name} has a new badge (code {attendee.short_code}); the old one no longer works.", "ok")
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug))


@bp.post("/attendees/<int:attendee_id>/login-link")
@organizer_required
def login_link(attendee_id: int):
    """Make a one-time login link and code for the attendee at the desk, shown once, here."""
    attendee, link = services.helpdesk_login_link(g.event, attendee_id)
    response = render_page("organizer/login_link.html", "organizer/_login_link.html", attendee=attendee, link=link)
    # A login secret: no cache, no back-button copy, no history restore.
    response.headers["Cache-Control"] = "no-store"
    return response
