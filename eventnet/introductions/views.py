"""Introductions: the form on a contact, the requests on the home page, "don't send me any".

Each action answers an htmx swap with the part again and everyone else with a redirect, so
nothing here needs JavaScript.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, request, url_for
from flask_babel import gettext as _

from ..attendees.cards import card_for
from ..auth.session import attendee_required
from ..connections.services import contact_of, get_connection_or_404
from ..errors import fail
from ..extensions import limiter
from ..htmx import redirect_to, render_page, wants_fragment
from ..ratelimit import browser_key, limit
from . import services
from .forms import AnswerForm, IntroduceForm, OptOutForm
from .services import IntroductionError

bp = Blueprint("introductions", __name__)

HOME_ANCHOR = "#introductions-h"


@bp.app_template_global("introductions_section")
def section_context(attendee) -> dict:
    """What templates/introductions/_section.html needs: requests asked of me, my choice."""
    return {"received": services.received(attendee), "takes": services.takes_introductions(attendee),
            "states": services.STATES}


@bp.app_template_global("introductions_on_contact")
def contact_context(attendee, connection) -> dict:
    """What templates/introductions/_contact.html needs (see services.for_contact)."""
    return {**services.for_contact(attendee, connection), "states": services.STATES}


def _section(status: int = 200):
    return render_template("introductions/_section.html", attendee=g.attendee,
                           intro=section_context(g.attendee)), status


def _back_home(message: str, category: str = "ok"):
    flash(message, category)
    return redirect_to(url_for("events.home", slug=g.event.slug) + HOME_ANCHOR)


def _refused(message: str):
    """An answer or choice posted without a valid value: the section again (422) or a message."""
    return _section(422) if wants_fragment() else _back_home(message, "error")


@bp.route("/e/<slug>/contacts/<int:connection_id>/introduce", methods=["GET", "POST"])
@attendee_required
@limiter.limit(limit("introduce"), key_func=browser_key, methods=["POST"])
def introduce(connection_id: int):
    """Introduce this contact to another of mine, with a line on why; both are asked first."""
    connection = get_connection_or_404(g.attendee, connection_id)
    contact = contact_of(connection)
    if contact is None:
        fail(404, _("This person deleted their account."))
    form = IntroduceForm(services.other_contacts(g.attendee, connection))
    error, status = None, 200
    if request.method == "POST":
        if form.validate():
            try:
                services.introduce(g.attendee, connection, form.other.data, form.reason.data)
            except IntroductionError as refused:
                error, status = refused.message, refused.status
            else:
                flash(_("Asked. They each answer for themselves; you will see here when both accepted."), "ok")
                return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=connection.id)
                                   + "#introductions")
        else:
            status = 422
    return render_page("introductions/introduce.html", status=status, form=form, connection=connection,
                       card=card_for(contact, connection), error=error)


@bp.post("/e/<slug>/introductions/<int:introduction_id>/answer")
@attendee_required
def answer(introduction_id: int):
    """Accept or decline an introduction asked of me (the other side is never told a decline)."""
    form = AnswerForm()
    if not form.validate():
        return _refused(_("Accept or decline."))
    accepted = form.answer.data == "accept"
    introduction = services.answer(g.attendee, introduction_id, accepted)
    if wants_fragment():
        return _section()
    state = services.viewer_state(introduction, g.attendee)
    return _back_home({"introduced": _("You are introduced: you each have the other's card now."),
                       "waiting": _("Accepted. You will be introduced if they accept too."),
                       "declined": _("Declined. Nobody is told.")}.get(state, _("This introduction is closed.")))


@bp.post("/e/<slug>/introductions/choice")
@attendee_required
def choice():
    """Take introductions, or "don't send me introductions"."""
    form = OptOutForm()
    if not form.validate():
        return _refused(_("Choose whether to take introductions."))
    wanted = form.take.data == "1"
    services.set_takes_introductions(g.attendee, wanted)
    if wants_fragment():
        return _section()
    return _back_home(_("You take introductions again.") if wanted else _("Nobody can introduce you to anyone now."))
