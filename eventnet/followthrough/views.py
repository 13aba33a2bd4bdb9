"""My follow-ups: the attendee's promises, follow-up intents and keep-in-touch pairs on one page."""
from __future__ import annotations

from flask import Blueprint, g, make_response, render_template

from ..auth.session import attendee_required
from ..promises.services import due_label
from . import services

bp = Blueprint("followthrough", __name__)


@bp.get("/e/<slug>/me/follow-ups")
@attendee_required
def mine():
    """Open and done promises, intents still to act on and done, and who both want to keep in touch."""
    response = make_response(render_template("followthrough/mine.html", mine=services.my_followups(g.attendee),
                                             due_label=due_label))
    # Private notes' outcomes: never kept by a shared cache or the browser's back-forward cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
