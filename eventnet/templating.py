"""Template helpers: times in the event's zone, the current attendee, vendored asset names."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, g

from .auth.session import current_attendee
from .i18n import formats
from .i18n.hooks import bound_gettext

HTMX_SCRIPT = "vendor/htmx/htmx-2.0.11.min.js"


def local_time(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A UTC time in the current event's zone (UTC outside an event), in the page's language:
    `fmt` names the fields, Babel writes them (eventnet.i18n.formats.local_time)."""
    return formats.local_time(moment, fmt)


# Six hues, each with text that meets WCAG 2.2 SC 1.4.3 (4.5:1) in light and dark mode (app.css).
AVATAR_HUES = 6


def initials(name: str | None) -> str:
    """Up to two letters for a face without a photo: 'Ana María Herrera' -> 'AH', '李雷' -> '李'.

    The first letter of the first and of the last word; one letter for a one-word name or a
    script written without spaces (CJK), '?' for no name. Upper-cased where the script has case.
    """
    words = [w for w in (name or "").split() if any(c.isalnum() for c in w)]
    if not words:
        return "?"

    def first(word: str) -> str:
        return next(c for c in word if c.isalnum()).upper()

    if len(words) == 1:
        return first(words[0])
    return first(words[0]) + first(words[-1])


def avatar_hue(name: str | None) -> int:
    """A stable 0..AVATAR_HUES-1 for a name, so a person keeps their colour on every page."""
    return sum(map(ord, name or "")) % AVATAR_HUES


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["avatar_hue"] = avatar_hue

    @app.context_processor
    def inject():
        # The request's translations bound once per render (i18n.hooks.bound_gettext): a badge
        # page calls _() about 16 times.
        return {"me": current_attendee(), "event": g.get("event"), "htmx_script": HTMX_SCRIPT,
                **bound_gettext(app.jinja_env)}
