"""Template helpers: times in the event's zone, the current attendee, vendored asset names."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, g, has_request_context, request

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


# Built URLs kept per process for templates (url_for_cached); cleared whole when it grows past
# this, since badge tokens make the set of URLs as large as the event.
URL_CACHE_SIZE = 4096


def url_for_cached(build: Callable[..., str]) -> Callable[..., str]:
    """Templates' url_for: `build` (the app's url_for), remembering the relative URLs it built.

    A page builds about twenty URLs, most of them the same on every page (static files, the tab
    bar); building one walks werkzeug's rules each time. A relative URL depends only on the
    endpoint, its values and the request's script root (the app has no url_defaults that
    could add values, and no host or subdomain rules), so those are the key. Anything else
    (an external URL, an anchor, a method, a blueprint-relative endpoint, values that cannot
    be hashed) is built every time, as before.
    """
    cache: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or not has_request_context() or any(key[:1] == "_" for key in values):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list of ids)
            return build(endpoint, **values)
        url = build(endpoint, **values)
        if len(cache) >= URL_CACHE_SIZE:
            cache.clear()
        cache[key] = url
        return url

    return url_for


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = url_for_cached(app.url_for)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["avatar_hue"] = avatar_hue

    @app.context_processor
    def inject():
        # The request's translations bound once per render (i18n.hooks.bound_gettext): a badge
        # page calls _() about 16 times.
        return {"me": current_attendee(), "event": g.get("event"), "htmx_script": HTMX_SCRIPT,
                **bound_gettext(app.jinja_env)}
