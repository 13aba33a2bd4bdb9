"""Exchanging cards (badge URL button and scan API) and the contact page with its private note."""
from __future__ import annotations

import uuid
from functools import wraps
from typing import Callable

from flask import Blueprint, Response, flash, g, jsonify, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from ..attendees.cards import card_for, withheld
from ..attendees.models import Attendee
from ..auth.session import attendee_required, current_attendee, keep_desk_session, session_token_hash
from ..badges.services import find_by_token
from ..errors import fail, json_error, render_error, wants_json
from ..extensions import csrf, limiter
from ..ratelimit import browser_key, scans_limit
from ..htmx import redirect_to, render_page, wants_fragment
from . import keep_in_touch, notes, services
from .forms import WANTED_HINT, KeepInTouchForm
from ..promises.views import contact_context as promises_context
from .models import INTENT_CHIPS, INTENTS, NOTE_PARTS, Connection
from .notes import NoteInput, NoteInvalid
from .services import ExchangeError

bp = Blueprint("connections", __name__)


@bp.app_template_global()
def connection_between(viewer, attendee) -> Connection | None:
    """For templates (the badge page): viewer's connection to attendee, or None."""
    return services.connection_between(viewer, attendee)


@bp.app_template_global()
def scanning_open_now(event) -> bool:
    """For templates (the badge page): whether an exchange button would work now."""
    return services.scanning_open(event)


@bp.app_template_global()
def new_client_uuid() -> str:
    """A fresh scan id for an exchange form, so that a double-submitted form connects once."""
    return str(uuid.uuid4())


# ----------------------------------------------------------------------------- helpers


# The scan API and the Exchange button share one count per logged-in browser (SCANS_PER_MINUTE).
# Past it the phone's queue is answered 429 and retries later: nothing scanned is lost.
TOO_MANY_SCANS = _l("Too many scans in a short time. Wait a minute: nothing you scanned is lost.")
scans_per_browser = limiter.shared_limit(scans_limit, scope="scans", key_func=browser_key,
                                         methods=["POST"], error_message=TOO_MANY_SCANS)


def _contact_context(connection: Connection) -> dict:
    """What the contact card and note form show: the contact's shared card and owner's own note."""
    contact = services.contact_of(connection)
    card = card_for(contact, connection) if contact is not None else None
    return {
        "connection": connection,
        "contact": contact,
        "card": card,
        "card_withheld": contact is not None and withheld(contact, connection) is not None,
        "intents": INTENTS,
        "intent_chips": INTENT_CHIPS,
        "note_parts": NOTE_PARTS,
        "note_max": notes.NOTE_MAX,
        "suggested": notes.suggested_tags(g.attendee, card, list(connection.tags or [])),
        "keep_in_touch_mutual": keep_in_touch.is_mutual(connection),
        **promises_context(connection),
    }


# ----------------------------------------------------------------------------- exchange by badge URL


@bp.post("/b/<token>/exchange")
@scans_per_browser
def exchange(token: str):
    """The badge page's "Exchange cards" button: connect the viewer and the badge's owner.

    htmx swaps the answer in place of the button: the confirmation with the note form under
    it, so the note is one tap away without leaving the badge page. A plain form post is
    redirected to the contact page, which shows the same confirmation and form first.
    """
    viewer = current_attendee()
    if viewer is None:
        owner = find_by_token(token)  # an unknown or replaced badge answers for itself (BadgeError)
        return redirect_to(url_for("auth.login", slug=owner.event.slug, next=url_for("badges.card", token=token)))
    g.event, g.attendee = viewer.event, viewer
    client_uuid = request.form.get("client_uuid") or uuid.uuid4()
    if wants_fragment():
        return _exchange_fragment(viewer, token, client_uuid)
    result = services.record_scan(viewer, token, client_uuid)
    if result.created:
        keep_desk_session()
    flash(_(services.EXCHANGED) if result.created else _(services.ALREADY_CONNECTED), "ok")
    return redirect_to(url_for("connections.contact", slug=viewer.event.slug, connection_id=result.connection_id))


def _exchange_fragment(viewer: Attendee, token: str, client_uuid) -> Response:
    """The exchange answered for htmx: the note form under the confirmation, or the panel again
    with why not (422, which htmx swaps; a 4xx page would not be shown at all)."""
    try:
        result = services.record_scan(viewer, token, client_uuid)
    except ExchangeError as error:
        owner = find_by_token(token)
        return make_response(render_template("badges/_viewer_actions.html", viewer=viewer, attendee=owner,
                                             exchange_error=error.message), 422)
    if result.created:
        keep_desk_session()
    return make_response(render_template(
        "badges/_exchanged.html", confirmation=_(services.EXCHANGED) if result.created else _(services.ALREADY_CONNECTED),
        **_contact_context(result.connection),
    ))


# ----------------------------------------------------------------------------- scan API


def _api(view: Callable) -> Callable:
    """JSON clients get 401 JSON instead of a login redirect, and CSRF failures as JSON."""

    @wraps(view)
    def wrapped(**kwargs):
        response = view(**kwargs)
        if wants_json() and isinstance(response, Response) and (
            300 <= response.status_code < 400 or "HX-Redirect" in response.headers
        ):
            return json_error(401, "login_required", _("Log in to this event again to send scans."))
        return response

    return wrapped


def _csrf_checked(view: Callable) -> Callable:
    # The global CSRF check is exempted for this one view and done here instead, after the
    # login check, so that a phone learns "log in again" rather than "bad token", and as JSON.
    @wraps(view)
    def wrapped(**kwargs):
        try:
            csrf.protect()
        except CSRFError:
            if wants_json():
                return json_error(400, "csrf_failed", _("The page is out of date: reload it and try again."))
            return render_error(400, _("This form has expired"), _("Reload the page and try again."))
        return view(**kwargs)

    return wrapped


@bp.post("/e/<slug>/api/scans")
@csrf.exempt
@scans_per_browser
@_api
def scan_api(slug: str):
    """Record a scan (JSON or form: token, client_uuid, scanned_at): 201 new, 200 already connected."""
    # A phone's JSON scan is the hot path: its login check is one Core statement, which reads
    # the scanned badge too (used only once the CSRF token below has passed). Everything
    # else (no session or a stale one, another event's URL, htmx and form posts) takes the
    # general guard, which gives each of those its own answer.
    if wants_json():
        body = request.get_json(silent=True) if request.is_json else None
        scan = body if isinstance(body, dict) else {}
        scanner = services.scanner_for(session_token_hash(), slug, scan.get("token"), scan.get("client_uuid"))
        if scanner is not None:
            return _record_checked(scanner=scanner, as_json=True)
    return _guarded_scan(slug=slug)


@attendee_required
@_csrf_checked
def _guarded_scan():
    return _record(g.attendee, wants_json())


def _record(scanner: Attendee | services.Scanner, as_json: bool):
    """The scan API's work once the scanner is known and the CSRF token checked.

    Only the JSON answer is given for a services.Scanner; the htmx fragment and the redirect
    need the guarded path's g.attendee and g.event.
    """
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_error(400, "invalid_json", _("The body must be a JSON object."))
    else:
        body = request.form
    token = body.get("token")
    if not isinstance(token, str) or not token.strip() or len(token) > 500:
        raise ExchangeError("unknown_badge", _("No badge code in that scan."))
    result = services.record_scan(scanner, token, body.get("client_uuid"), body.get("scanned_at"))
    if result.created:
        keep_desk_session(scanner.desk if isinstance(scanner, services.Scanner) else None)
    status = 201 if result.created else 200
    if as_json:
        # Answered from what the scan wrote and read: no ORM object is loaded for it.
        scan = result.scan_fields
        return make_response(jsonify(
            status="new" if result.created else "already_connected",
            connection_id=result.connection_id,
            contact=result.card,
            scan={
                "client_uuid": scan["client_uuid"],
                "scanned_at": scan["client_scanned_at"].isoformat() if scan["client_scanned_at"] else None,
                "received_at": scan["received_at"].isoformat(),
            },
        ), status)
    if wants_fragment():
        return make_response(render_template(
            "connections/_contact_card.html", created=result.created, **_contact_context(result.connection)
        ), status)
    flash(_("Cards exchanged.") if result.created else _("You are already connected."), "ok")
    return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=result.connection_id))


_record_checked = _csrf_checked(_record)


# ----------------------------------------------------------------------------- contact and note


@bp.get("/e/<slug>/contacts/<int:connection_id>")
@attendee_required
def contact(connection_id: int):
    """One contact: their shared card, how and when you met, and your private note form."""
    connection = services.get_connection_or_404(g.attendee, connection_id)
    return contact_page(connection)


def contact_page(connection: Connection, status: int = 200, **extra) -> Response:
    """The contact page of one of my connections (`extra`: a form's errors to show again)."""
    return make_response(render_template("connections/contact.html", **_contact_context(connection), **extra), status)


@bp.post("/e/<slug>/contacts/<int:connection_id>/note")
@attendee_required
def save_note(connection_id: int):
    """Save the note, tags, star and intent: autosaved by htmx, or a plain form post."""
    connection = services.get_connection_or_404(g.attendee, connection_id)
    data = NoteInput.from_form(request.form)
    if wants_fragment() and not (request.form.get("add_promise") or request.form.get("save")):
        # Autosave (as you type, or on leaving a field) never tracks a promise: half a sentence
        # is not one. "Add promise", "Save note" and a plain form post do.
        data.promises = None
    try:
        notes.save_note(connection, data)
    except NoteInvalid as invalid:
        context = _contact_context(connection)
        values = {
            "note": data.note if data.note is not None else connection.note,
            "tags": data.tags_text if data.tags_text is not None else ", ".join(connection.tags or []),
            "starred": data.starred if data.starred is not None else connection.starred,
            "intent": data.intent if data.intent in INTENTS else connection.intent,
            **{name: value if value is not None else getattr(connection, name)
               for name, value in ((name, getattr(data, name)) for name in NOTE_PARTS)},
            "promise": request.form.get("promise", "")[:300], "promise_due": request.form.get("promise_due", "")[:10],
        }
        if data.add_tag:
            values["tags"] = f"{values['tags']}, {data.add_tag}" if values["tags"].strip() else data.add_tag
        response = render_page(
            "connections/contact.html", "connections/_note_form.html", status=422,
            errors=invalid.errors, values=values, **context,
        )
        # Autosave normally swaps only the "Saved" status; errors need the whole form.
        response.headers["HX-Retarget"] = f"#note-form-{connection.id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    if wants_fragment():
        context = _contact_context(connection)
        # The promises section follows the note: a promise added with it, or a sentence of the
        # note that reads like one ("Track this as a promise?"): sent along out of band.
        promises = render_template("promises/_contact_promises.html", oob=True, **context)
        if request.form.get("_refresh") or data.add_tag or data.promises:
            # After an error (or a tag or promise added), redraw the form so nothing stale stays.
            response = make_response(render_template("connections/_note_form.html", saved=True, **context) + promises)
            response.headers["HX-Retarget"] = f"#note-form-{connection.id}"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        # The follow-up panel depends on the intent ("Add coffee to calendar"): sent along out of band;
        # the promises section too when its suggestion changed (swapping it unchanged would drop a
        # tap on its buttons that is under way).
        shown = request.form.get("suggestion_shown")
        return make_response(render_template("connections/_note_status.html", connection=connection, saved=True)
                             + render_template("digests/_followup.html", connection=connection, oob=True)
                             + (promises if shown is None or shown != (context["suggestion"] or "") else ""))
    flash(_("Note saved."), "ok")
    return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=connection.id) + "#note")


@bp.post("/e/<slug>/contacts/<int:connection_id>/keep-in-touch")
@attendee_required
def keep_in_touch_toggle(connection_id: int):
    """Mark or unmark my private "I'd like to stay in touch"; htmx swaps the switch, a form reloads.

    The answer depends only on my mark and on whether both marked: with the other side unmarked
    it is the same whether they never marked or marked and took it back (keep_in_touch.mark
    reads their row the same way in every case).
    """
    connection = services.get_connection_or_404(g.attendee, connection_id)
    form = KeepInTouchForm()
    if not form.validate():
        fail(400, str(WANTED_HINT))
    wanted = form.wanted.data
    if connection.contact_id is None:
        fail(404, _("This person deleted their account."))
    mutual = keep_in_touch.mark(connection, wanted == "1")
    if wants_fragment():
        return render_template("connections/_keep_in_touch.html", connection=connection, keep_in_touch_mutual=mutual)
    flash(_("You both want to keep in touch.") if mutual else _("Saved, privately."), "ok")
    return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=connection.id) + f"#keep-in-touch-{connection.id}")
