"""The console's frame around every organizer page: the event's phase and scanning state, and
whether this browser also holds an administrator session (then the nav links to /admin)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from ..auth.session import current_administrator
from ..connections.services import scanning_open
from ..database import utcnow
from ..events.models import Event
from ..i18n.markers import N_


@dataclass
class ConsoleStatus:
    """What the console's header says about the event right now.

    phase: "upcoming" | "running" | "ended" (server clock against starts_at/ends_at);
    scanning: whether exchanges are accepted now (the scanning window, connections.services).
    """

    phase: str
    scanning: bool

    @property
    def phase_label(self) -> str:
        """The phase in English, marked for the catalog: the console's header translates it."""
        return {"upcoming": N_("Upcoming"), "running": N_("Running now"), "ended": N_("Ended")}[self.phase]


def console_status(event: Event) -> ConsoleStatus:
    """The event's phase and whether scanning is open, at this moment."""
    now = utcnow()
    phase = "upcoming" if now < event.starts_at else ("running" if now <= event.ends_at else "ended")
    return ConsoleStatus(phase, scanning_open(event, now))


def init_app(app: Flask) -> None:
    """Make `console_status(event)` and `console_admin()` callable from the console's templates.

    Functions rather than values: only console pages call them, so no other page pays for the
    administrator lookup.
    """
    app.jinja_env.globals.update(console_status=console_status, console_admin=current_administrator)
