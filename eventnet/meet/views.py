"""People to meet on the attendee's home page: the suggestions, the choice, "not for me".

Each action answers an htmx swap with the section again and everyone else with a redirect
back to the page they came from, so nothing here needs JavaScript.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, url_for
from flask_babel import gettext as _

from ..auth.session import attendee_required
from ..htmx import redirect_to, wants_fragment
from . import services
from .forms import MeetChoiceForm

bp = Blueprint("meet", __name__)

BACK = {"home": "events.home", "profile": "attendees.edit_profile"}


@bp.app_template_global("meet_section")
def section_context(attendee, with_suggestions: bool = True) -> dict:
    """What templates/meet/_section.html needs: the choice, the suggestions, the person's topics.

    A template global, so that the pages showing the section (the home page, the profile page)
    include it without their packages importing this one.
    """
    opened = services.is_open(attendee)
    return {
        "open": opened,
        "suggestions": services.suggestions_for(attendee) if with_suggestions else [],
        "has_topics": bool((attendee.can_help_with or "").strip() or (attendee.looking_for or "").strip()),
        "shares_topics": attendee.shares("topics"),
    }


def _section(back: str = "home", status: int = 200):
    return render_template("meet/_section.html", attendee=g.attendee, meet_back=back, swapped=True,
                           m=section_context(g.attendee, with_suggestions=back == "home")), status


@bp.post("/e/<slug>/meet/choice")
@attendee_required
def choose():
    """Be suggested to people whose asks and offers match, or stop."""
    form = MeetChoiceForm()
    back_to = form.next.data if form.next.data in BACK else "home"
    if not form.validate():
        if wants_fragment():
            return _section(back_to, 422)
        flash(_("Choose whether to be suggested."), "error")
        return redirect_to(url_for(BACK[back_to], slug=g.event.slug))
    wanted = form.open.data == "1"
    services.set_open(g.attendee, wanted)
    services.forget_index(g.event.id)
    if wants_fragment():
        return _section(back_to)
    flash(_("You will be suggested to people whose asks and offers match yours.") if wanted
          else _("You are no longer suggested to anyone."), "ok")
    return redirect_to(url_for(BACK[back_to], slug=g.event.slug) + "#meet-h")


@bp.post("/e/<slug>/meet/<int:attendee_id>/not-for-me")
@attendee_required
def not_for_me(attendee_id: int):
    """Hide one suggestion for good; the next one takes its place."""
    services.dismiss(g.attendee, attendee_id)
    if wants_fragment():
        return _section()
    flash(_("Hidden: you will not be suggested this person again."), "ok")
    return redirect_to(url_for("events.home", slug=g.event.slug) + "#meet-h")
