"""The scanner page, its JSON endpoints for the offline queue, the typed-code and name-search
fallbacks, and the installable-app files (service worker, manifest, decoder)."""
from __future__ import annotations

import json
from contextlib import nullcontext
from functools import lru_cache, wraps
from pathlib import Path
from typing import Callable

from flask import (
    Blueprint, Response, abort, current_app, flash, g, jsonify, make_response, render_template, request, send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf

from ..auth.session import attendee_required, current_attendee, get_event_or_404, keep_desk_session
from ..connections import notes
from ..connections import services as connections
from ..connections.models import INTENT_CHIPS, INTENTS, NOTE_PARTS
from ..errors import DomainError, json_error
from ..extensions import csrf, limiter
from ..i18n.js import as_json_block, scanner_strings
from ..i18n.languages import direction, shipped
from ..i18n.selection import current_language
from ..ratelimit import browser_key, limit, retry_after_seconds
from ..htmx import redirect_to, render_page, wants_fragment
from ..templating import HTMX_SCRIPT
from . import services
from .forms import CodeForm

bp = Blueprint("scanner", __name__)

# Per logged-in browser (eventnet.ratelimit.LIMITS): a phone coming back online with a day of
# offline scans sends each once, and a note is autosaved at most about once a second while
# typing; the limits sit far above that, and far below a script walking the attendee list.
TOO_MANY_CODES = _l("Too many codes in a short time. Wait a minute and try again.")
TOO_MANY_SEARCHES = _l("Too many searches in a short time. Wait a minute and try again.")
TOO_MANY_NOTES = _l("Too many notes in a short time: the phone will try again shortly.")
TOO_MANY_CHECKS = _l("Too many requests: the phone will try again shortly.")

# What the service worker caches on install: the shell every cached page needs. (Its version
# covers every static file, see services.assets_version.)
SHELL_FILES = [
    "css/app.css", "js/app.js", HTMX_SCRIPT, "js/queue.js", "js/scanner.js", "js/notes.js",
    "icons/icon.svg", "icons/icon-192.png",
]


def _api(view: Callable) -> Callable:
    """An attendee's JSON endpoint: 401 JSON instead of a login redirect, CSRF failures as JSON
    (checked after the login check, so a logged-out phone learns "log in", not "bad token")."""

    @wraps(view)
    def wrapped(slug: str, **kwargs):
        event = get_event_or_404(slug)
        attendee = current_attendee()
        if attendee is None or attendee.event_id != event.id:
            return json_error(401, "login_required", _("Log in to this event again to sync your scans."))
        g.event, g.attendee = event, attendee
        if request.method == "POST":
            try:
                csrf.protect()
            except CSRFError:
                return json_error(400, "csrf_failed", _("The page is out of date: reload it and try again."))
        return view(**kwargs)

    return wrapped


@bp.app_template_global()
def offline_pages() -> str:
    """The pages the service worker keeps for offline use, as JSON for a data- attribute."""
    event = g.get("event")
    if event is None:
        return "[]"
    return _offline_pages(event.slug, request.script_root)


# The same four URLs on every page of an event, for every attendee: built once per event (and
# the script root a proxy mounts the app under).
@lru_cache(maxsize=64)
def _offline_pages(slug: str, script_root: str) -> str:
    # "cache": shown from the phone at once and refreshed behind (they rarely change);
    # "network": the contact book must show a scan made a minute ago, so the saved copy is
    # only for when the network fails; "shell": the offline page, answered for every page
    # that was not saved (the start URL included), so the app opens offline with its tabs.
    return json.dumps([
        {"url": url_for("scanner.scan", slug=slug), "mode": "cache"},
        {"url": url_for("badges.my_qr", slug=slug), "mode": "cache"},
        {"url": url_for("contacts.book", slug=slug), "mode": "network"},
        {"url": url_for("scanner.offline", slug=slug), "mode": "shell"},
    ], separators=(",", ":"))  # compact: every quote is "&#34;" in the attribute


# ----------------------------------------------------------------------------- pages


def _scan_page(status: int = 200, **context) -> Response:
    return render_page(
        "scanner/scan.html", status=status, attendee=g.attendee,
        decoder_script=url_for("scanner.decoder_file", version=services.DECODER_VERSION, filename=services.DECODER_SCRIPT),
        decoder_wasm=url_for("scanner.decoder_file", version=services.DECODER_VERSION, filename=services.DECODER_WASM),
        code_value=context.pop("code_value", ""), code_error=context.pop("code_error", None),
        intents=INTENTS, intent_chips=INTENT_CHIPS, note_parts=NOTE_PARTS, note_max=notes.NOTE_MAX,
        js_strings=as_json_block(scanner_strings()), **context,
    )


@bp.get("/e/<slug>/scan")
@attendee_required
def scan():
    """The scanner: camera and decoder with JavaScript, typed code and name search without."""
    return _scan_page()


def _search_page(query: str, status: int = 200, **context) -> Response:
    """The name search with its results and the typed-code form (the way to exchange from there)."""
    query = query[: services.SEARCH_MAX_QUERY]
    too_short = len(" ".join(query.split())) < services.SEARCH_MIN
    hits = [] if too_short else services.search_attendees(g.attendee, query)
    return render_page("scanner/search.html", "scanner/_search_results.html", status=status, query=query, hits=hits,
                       too_short=too_short, code_value=context.pop("code_value", ""),
                       code_error=context.pop("code_error", None), **context)


@bp.post("/e/<slug>/scan/code")
@limiter.limit(limit("scanner_code"), key_func=browser_key, error_message=TOO_MANY_CODES)
@attendee_required
def code():
    """Exchange cards by the short code printed under a badge's QR (the camera's fallback)."""
    form = CodeForm()
    typed = form.code.data or ""
    # The search page sends its query along, so a mistyped code is answered there, with the
    # person still in the list, rather than on the scanner page.
    query = form.q.data

    def again(status: int, message: str) -> Response:
        if query is not None:
            return _search_page(query, status, code_value=typed[:services.CODE_MAX], code_error=message)
        return _scan_page(status, code_value=typed[:services.CODE_MAX], code_error=message)

    try:
        result = services.exchange_by_code(g.attendee, typed, form.client_uuid.data)
    except DomainError as error:  # a code that leads nowhere, or an exchange that cannot be made
        # The form is shown again with the message next to the field: a form error, 422.
        return again(422, error.message)
    if result.created:
        keep_desk_session()
    flash(_(connections.EXCHANGED) if result.created else _(connections.ALREADY_CONNECTED), "ok")
    return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=result.connection.id))


def _searches_paused(_limit) -> Response | None:
    """Past the search limit, an active search says so where its results go (htmx swaps it);
    a whole-page search gets the general 429 page."""
    if not wants_fragment():
        return None
    response = make_response(render_template("scanner/_search_results.html", query="", hits=[], too_short=False,
                                             limited=True))
    response.headers["Retry-After"] = str(retry_after_seconds())
    return response


@bp.get("/e/<slug>/scan/search")
@limiter.limit(limit("scanner_search"), key_func=browser_key, error_message=TOO_MANY_SEARCHES,
               exempt_when=lambda: len(" ".join(request.args.get("q", "").split())) < services.SEARCH_MIN,
               on_breach=_searches_paused)
@attendee_required
def search():
    """Find an attendee of this event by name (or shared company or headline), then exchange by their code."""
    return _search_page(request.args.get("q", ""))


@bp.get("/e/<slug>/offline")
@attendee_required
def offline():
    """The page the service worker shows offline for any page it did not save: the event's header
    and tabs, and the ways to the scanner, my QR and my contacts, which work offline."""
    return render_template("scanner/offline.html")


@bp.get("/offline")
def visitor_offline():
    """The offline page of a phone nobody is logged in on, in the visitor's language: the service
    worker keeps it at install (the language selected for its request), and again in the language
    of `?lang=` whenever a page in another language is opened (sw.js: the page names its own)."""
    asked = shipped(request.args.get("lang"))
    with force_locale(asked) if asked else nullcontext():
        response = make_response(render_template("scanner/offline_visitor.html", start_url=url_for("events.index"),
                                                 stylesheet=url_for("static", filename="css/app.css")))
        response.headers["Content-Language"] = current_language()  # what sw.js compares
    response.headers["Cache-Control"] = "no-cache"
    return response


# ----------------------------------------------------------------------------- JSON for the queue


@bp.get("/e/<slug>/api/session")
@limiter.limit(limit("session_api"), key_func=browser_key, error_message=TOO_MANY_CHECKS)
@_api
def session_api():
    """Who is logged in here and a fresh CSRF token: the queue checks it before every sync."""
    response = jsonify(attendee_id=g.attendee.id, csrf_token=generate_csrf(), event=g.event.slug)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/e/<slug>/api/scans/<client_uuid>/note")
@csrf.exempt  # checked inside _api, after the login check, and answered as JSON
@limiter.limit(limit("note_api"), key_func=browser_key, error_message=TOO_MANY_NOTES)
@_api
def note_api(client_uuid: str):
    """Save the note, tags, star and intent of the connection a scan made, by the scan's UUID (idempotent)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "invalid_json", _("The body must be a JSON object."))
    # The phone says whose item this is; another attendee's queued note waits for their login.
    if body.get("attendee_id") != g.attendee.id:
        return json_error(409, "other_attendee", _("This note was written by another account on this phone."))
    # A ScannerError (malformed) or NoteInvalid (422) answers for itself, as JSON.
    data = services.note_input_from_json(body)
    synced = services.save_note_by_scan(g.attendee, client_uuid, data, body.get("edited_at"), body.get("sent_at"))
    connection = synced.connection
    return jsonify(
        status="saved" if synced.applied else "stale",
        connection_id=connection.id,
        # What the server holds now (tags normalised), for the phone to show.
        tags=list(connection.tags or []),
        starred=connection.starred,
        intent=connection.intent,
        note_updated_at=connection.note_updated_at.isoformat() if connection.note_updated_at else None,
    )


# ----------------------------------------------------------------------------- app files


@bp.get("/sw.js")
def service_worker():
    """The service worker, at the root so its scope covers every page; never cached by HTTP."""
    static = current_app.static_folder
    source = (Path(static) / "sw.js").read_text(encoding="utf-8")
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    source = source.replace('"__VERSION__"', json.dumps(services.assets_version(static)))
    source = source.replace('["__SHELL__"]', json.dumps(shell))
    source = source.replace('"__START_URL__"', json.dumps(url_for("events.index")))
    source = source.replace('"__OFFLINE_URL__"', json.dumps(url_for("scanner.visitor_offline")))
    response = make_response(source)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable to the home screen, with icons and theme colours.

    In the language of `?lang=` (the page's <link rel=manifest> names its own), so that one URL
    is one language in every cache; without it, in the language selected for the request (Vary
    says on what). The name is the brand, the description is translated.
    """
    asked = shipped(request.args.get("lang"))
    if asked:
        with force_locale(asked):
            return _manifest(asked)
    return _manifest(current_language())


def _manifest(code: str) -> Response:
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
        {"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    body = {
        "name": "eventnet",
        "short_name": "eventnet",
        "description": _("Exchange cards at the event by scanning badges, and keep notes on who you met."),
        "lang": code,
        "dir": direction(code),
        # Offline, the service worker answers it with the saved offline page (sw.js).
        "start_url": url_for("events.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f9",
        "theme_color": "#0b57d0",
        "icons": icons,
    }
    response = make_response(json.dumps(body, indent=1))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/scanner/decoder/<version>/<filename>")
def decoder_file(version: str, filename: str):
    """The vendored fallback decoder, precompressed (brotli or gzip) and cached for a year."""
    if version != services.DECODER_VERSION:
        abort(404)
    variant = services.decoder_file(current_app.static_folder, filename, request.headers.get("Accept-Encoding", ""))
    if variant is None:
        abort(404)
    response = send_file(variant.path, mimetype=variant.mimetype, download_name=filename, conditional=True,
                         etag=True, max_age=31536000)
    if variant.encoding:
        response.headers["Content-Encoding"] = variant.encoding
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
