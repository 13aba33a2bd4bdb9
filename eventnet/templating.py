"""Template helpers: times in the event's zone, the current attendee, vendored asset names."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, g

from .auth.session import current_attendee

HTMX_SCRIPT = "vendor/htmx/htmx-2.0.11.min.js"


def local_time(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Format a UTC time in the current event's zone (UTC outside an event)."""
    if moment is None:
        return ""
    event = g.get("event")
    if event is not None:
        moment = event.local(moment)
    return moment.strftime(fmt)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time

    @app.context_processor
    def inject():
        return {"me": current_attendee(), "event": g.get("event"), "htmx_script": HTMX_SCRIPT}
