"""Rate limits, kept by Flask-Limiter: shared by every app process through Redis (REDIS_URL).

Without REDIS_URL the counters live in each process: right for one process (the embedded
default), but N gunicorn workers would each allow the whole limit, N times in all; the app
says so in its log at start-up. The limits that guard accounts do not depend on this: wrong
login codes are counted in the database (auth.services).

Who is counted: a logged-in person's actions by their browser session; everything else by the
client's address, which is the visitor's own only when `TRUSTED_PROXIES` says how many reverse
proxies stand in front (Werkzeug's ProxyFix, set up in create_app). A venue's Wi-Fi puts
hundreds of people behind one address, so per-address limits are set for a crowd, and the
limits for one person are per session or per email address.
"""
from __future__ import annotations

import hashlib
import logging
from math import ceil
from time import time
from typing import Callable

from flask import Flask, current_app, jsonify, make_response, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from .extensions import limiter

log = logging.getLogger(__name__)

# name -> limit (Flask-Limiter's notation; several separated by ";"). Override one with the
# RATE_LIMITS setting, e.g. {"scanner_code": "2 per minute"} in a test.
LIMITS = {
    # A venue's whole crowd may share one address (the morning queue logs in at once): these
    # stop a script spraying addresses, not a crowd.
    "login_per_client": "300 per 15 minutes",
    "code_per_client": "300 per 15 minutes",
    # One person asking again and again for a link: five in a quarter hour is plenty.
    "login_per_address": "5 per 15 minutes",
    "admin_login_per_client": "30 per 15 minutes",
    "admin_login_per_address": "5 per 15 minutes",
    # Per logged-in browser. A person meets a few people a minute at a busy coffee break and a
    # phone syncing a day of offline notes sends them one by one; a script walking the
    # attendee list by typed codes or names needs thousands.
    "scanner_code": "20 per minute;200 per hour",
    "scanner_search": "30 per minute;300 per hour",
    "note_api": "120 per minute",
    "session_api": "120 per minute",
    "digest_test": "10 per hour",
    # Each photo is decoded and re-encoded (tens of ms of CPU, MBs of memory): a person trying a
    # few pictures needs a handful; the preview redraws as they type, debounced in the page.
    "photo_upload": "20 per hour",
    "profile_preview": "120 per minute",
    # The event's logo: decoded and re-encoded like a photo; an organizer trying a few exports.
    "logo_upload": "20 per hour",
    # Asking for introductions: the real quota is counted in the database (introductions.services);
    # this only stops a script hammering the form.
    "introduce": "30 per hour",
}


def limit(name: str) -> Callable[[], str]:
    """The limit called `name` (see LIMITS), read when a request checks it."""
    if name not in LIMITS:
        raise KeyError(f"no rate limit called {name!r}")
    return lambda: current_app.config.get("RATE_LIMITS", {}).get(name, LIMITS[name])


def scans_limit() -> str:
    """Scans one attendee may send a minute (the SCANS_PER_MINUTE setting)."""
    return f"{current_app.config['SCANS_PER_MINUTE']} per minute"


def client_address() -> str:
    """The client's address (the visitor's own behind TRUSTED_PROXIES proxies)."""
    return request.remote_addr or "unknown"


def browser_key() -> str:
    """A logged-in browser's session (hashed), or the client's address for everyone else."""
    from .auth.session import session_token_hash

    token_hash = session_token_hash()
    return f"session:{token_hash[:32]}" if token_hash else f"address:{client_address()}"


def email_key() -> str:
    """The email address a login form names, hashed so the store holds no addresses."""
    typed = str(request.form.get("email", "")).strip().lower()[:254]
    if not typed:
        return f"address:{client_address()}"
    scope = (request.view_args or {}).get("slug", "")
    return "email:" + hashlib.sha256(f"{scope}:{typed}".encode()).hexdigest()[:32]


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets it through again: at least 1, at most
    the limit's window (a moving window's reset time is rounded up to the next whole second)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return min(max(int(ceil(current.reset_at - time())), 1), current.limit.get_expiry())


def _wants_json() -> bool:
    return "/api/" in request.path or (
        request.headers.get("HX-Request") != "true"
        and request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def _too_many(error: RateLimitExceeded):
    from .errors import render_error

    if error.response is not None:  # a limit's own on_breach answer (e.g. a fragment in place)
        return error.response
    message = error.description if getattr(error.limit, "error_message", None) else (
        _("Too many attempts in a short time. Wait a minute and try again."))
    if _wants_json():
        response = make_response(jsonify(error={"code": "rate_limited", "message": message}), 429)
    else:
        response = make_response(render_error(429, _("Slow down"), message))
    response.headers["Retry-After"] = str(retry_after_seconds())
    return response


# Two counters per limit and key in Redis (this window's and the last, weighted), where the
# exact "moving-window" keeps a timestamp per request: up to 300 for a venue's login limit.
STRATEGY = "sliding-window-counter"


def init_app(app: Flask) -> None:
    """Configure Flask-Limiter from REDIS_URL; no connection is made here."""
    url = app.config.get("REDIS_URL", "")
    app.config.setdefault("RATELIMIT_STORAGE_URI", url or "memory://")
    # Short timeouts: a slow Redis must not hold a login request for long.
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 2, "socket_connect_timeout": 2} if url else {})
    app.config.setdefault("RATELIMIT_STRATEGY", STRATEGY)
    # An unreachable Redis must not lock every attendee out: each process counts alone until
    # it answers again, and the outage is logged.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # The extension object outlives an app when a process builds several, as the tests do:
    # Flask-Limiter would keep the first app's strategy for every later one, and "the storage
    # is dead" was said of the storage before the one init_app binds now.
    limiter._strategy = None
    limiter.init_app(app)
    limiter._storage_dead = False
    app.register_error_handler(RateLimitExceeded, _too_many)
    if not url and app.config.get("EVENTNET_ENV") == "production":
        log.warning(
            "REDIS_URL is not set: rate limits are counted in each process. With several gunicorn "
            "workers (WEB_CONCURRENCY=%s) each allows the whole limit; set REDIS_URL to share them.",
            app.config.get("WEB_CONCURRENCY") or "?",
        )


def check_in_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's before_request pass when it has nothing to count (call once every
    blueprint is registered): every limit of ours is on a view, checked by that view's decorator.

    That pass exists for application-wide, default and blueprint limits; without any it
    resolved and evaluated an empty list on every request, which cost a scan about a twentieth
    of its CPU (issue 16). Should one of those ever be configured, the pass stays.
    """
    manager = limiter.limit_manager
    if (manager.application_limits or manager.default_limits or manager._blueprint_limits
            or limiter._meta_limits or limiter._check_request_limit not in app.before_request_funcs.get(None, [])):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)
