"""Profiles: what an attendee tells about themselves and what they share."""
from __future__ import annotations

from flask import Blueprint, flash, g, make_response, render_template, request, url_for

from ..auth.session import attendee_required, get_event_or_404
from ..htmx import redirect_to, render_page, wants_fragment
from . import email_change, services, validation

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


@bp.route("/e/<slug>/email-change/<token>", methods=["GET", "POST"])
def confirm_email_change(slug: str, token: str):
    """A signed link sent to the current address: GET shows the change and a button (mail scanners
    open links, so GET changes nothing); the POST makes the new address the one I log in with."""
    g.event = get_event_or_404(slug)
    try:
        if request.method == "POST":
            change, done = email_change.confirm_change(g.event, token), True
        else:
            change, done = email_change.read_change(g.event, token), False
    except email_change.EmailChangeError as error:
        response = make_response(render_template("attendees/email_change_problem.html", error=error), error.status)
    else:
        response = make_response(render_template("attendees/email_change.html", change=change, token=token, done=done))
    # The link is a key to the account's address: no cache, no back-button copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
