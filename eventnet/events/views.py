"""The start page, and each event's home for a logged-in attendee."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from ..auth.session import attendee_required, current_attendee
from . import services

bp = Blueprint("events", __name__, cli_group="events")


@bp.get("/")
def index():
    """The deployment's start page: the events it hosts, each with its login."""
    return render_template("events/index.html", events=services.list_events(), me=current_attendee())


@bp.get("/e/<slug>/")
@attendee_required
def home():
    """An attendee's home for the event: their badge, their profile's state, what to do next."""
    return render_template("events/home.html", attendee=g.attendee, missing=services.profile_gaps(g.attendee))
