"""Profiles: what an attendee tells about themselves and what they share."""
from __future__ import annotations

from flask import Blueprint, flash, g, request, url_for

from ..auth.session import attendee_required
from ..htmx import redirect_to, render_page, wants_fragment
from . import services, validation

bp = Blueprint("attendees", __name__)

PAGE = "attendees/profile.html"
FRAGMENT = "attendees/_profile_form.html"


def _render(values: dict, errors: dict | None = None, status: int = 200, saved: bool = False):
    return render_page(
        PAGE, FRAGMENT, status=status, attendee=g.attendee, values=values, errors=errors or {},
        saved=saved, limits=validation.LIMITS, extra_links=validation.EXTRA_LINKS,
        link_label_max=validation.LINK_LABEL_MAX, link_url_max=validation.LINK_URL_MAX,
    )


@bp.route("/e/<slug>/profile", methods=["GET", "POST"])
@attendee_required
def edit_profile():
    """Show the profile form; on POST save it (422 with every value kept if something is wrong)."""
    if request.method == "GET":
        return _render(validation.form_values(g.attendee))
    try:
        data = validation.parse_profile(request.form)
    except validation.ProfileInvalid as invalid:
        return _render(validation.submitted_values(request.form), invalid.errors, status=422)
    services.update_profile(g.attendee, data)
    if wants_fragment():
        return _render(validation.form_values(g.attendee), saved=True)
    flash("Profile saved", "ok")
    return redirect_to(url_for("attendees.edit_profile", slug=g.event.slug))
