"""Digest pages: previews, the attendee's choices, unsubscribe, signed mark-done links, .ics files."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, make_response, render_template, request, url_for
from flask_babel import gettext as _

from ..attendees.cards import card_for
from ..auth.session import attendee_required, get_event_or_404, organizer_required
from ..connections.services import contact_of, get_connection_or_404
from ..errors import fail
from ..extensions import csrf
from ..htmx import redirect_to, wants_fragment
from ..mail.services import register_builder, register_producer
from . import build, ics, sample, services, tokens
from .forms import FollowupDoneForm, PreferencesForm, UnsubscribeForm
from .schedule import KIND_DIGEST, KIND_REMINDER, KIND_TEST, digest_time, queue_due, reminder_days

bp = Blueprint("digests", __name__, cli_group=None)
bp.cli.help = "The follow-up digest and reminders: schedule, send now, status, pause and resume."

# The email's HTML in the preview frame: its own inline styles and nothing else (no script, no
# remote loads, no forms); a click on a link opens it in the whole tab.
EMAIL_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)
HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


@bp.record_once
def _register(state) -> None:
    # The sender builds digest rows when it sends them, and its rounds start by creating the
    # digests and reminders that have come due (the Procfile's worker does both).
    register_builder(state.app, KIND_DIGEST, build.digest_email, pausable=True)
    register_builder(state.app, KIND_REMINDER, build.reminder_email, pausable=True)
    register_builder(state.app, KIND_TEST, sample.sample_email)
    register_producer(state.app, queue_due)


# ----------------------------------------------------------------------------- previews

def _email_frame(html: str):
    """An email's HTML alone, for a preview's sandboxed frame: its own styles, no script, links open the tab."""
    html, found = HEAD_TAG.subn(lambda m: m.group(0) + '<base target="_top">', html, count=1)
    response = make_response(html if found else '<base target="_top">' + html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/e/<slug>/digest/preview")
@attendee_required
def preview():
    """My digest as it would be sent now, with my own notes (only I see this page)."""
    digest = build.build_digest(g.attendee)
    text, _ = build.render(digest)
    reason = None
    if services.get_preference(g.attendee).followups_off:
        reason = "unsubscribed"
    elif not digest.entries and g.event.digest_no_contacts == "none":
        reason = "no_contacts"
    elif not (digest.entries or digest.matches):
        reason = "nothing"
    response = make_response(render_template(
        "digests/preview.html", digest=digest, text=text, reason=reason, send_at=digest_time(g.event),
        frame_url=url_for("digests.preview_html", slug=g.event.slug),
    ))
    # Private notes: never kept by a shared cache or restored from history by someone else.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/e/<slug>/digest/preview/email.html")
@attendee_required
def preview_html():
    """The HTML part of my digest alone, for the preview's sandboxed frame."""
    _, html = build.render(build.build_digest(g.attendee))
    response = _email_frame(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _sample_variant() -> str:
    variant = str(request.args.get("variant") or "contacts")
    if variant not in sample.VARIANTS:
        fail(400, _("Choose the sample for an attendee with contacts or for one without."))
    return variant


@bp.get("/e/<slug>/organizer/digests/sample")
@organizer_required
def organizer_sample():
    """The event's digest as attendees will get it, filled with made-up people: nobody's real contacts."""
    variant = _sample_variant()
    digest = sample.build_sample_digest(g.event, variant)
    text, _ = build.render(digest)
    return render_template(
        "digests/sample.html", digest=digest, text=text, variant=variant, variants=sample.VARIANTS,
        send_at=digest_time(g.event), links_anchor=sample.LINKS_ANCHOR, subject_prefix=sample.subject_prefix(),
        frame_url=url_for("digests.organizer_sample_html", slug=g.event.slug, variant=variant),
    )


@bp.get("/e/<slug>/organizer/digests/sample/email.html")
@organizer_required
def organizer_sample_html():
    """The HTML part of the sample digest alone, for the sample page's sandboxed frame."""
    _, html = build.render(sample.build_sample_digest(g.event, _sample_variant()))
    return _email_frame(html)


# ----------------------------------------------------------------------------- my choices

@bp.get("/e/<slug>/digest")
@attendee_required
def settings():
    """When my follow-up email comes, what it holds, and whether I get it and the reminders."""
    return render_template("digests/settings.html", **_settings_context())


def _settings_context() -> dict:
    return {
        "preference": services.get_preference(g.attendee),
        "send_at": digest_time(g.event),
        "reminder_days": reminder_days(g.event),
    }


@bp.post("/e/<slug>/digest")
@attendee_required
def save_settings():
    """Save whether I get the digest and the keep-in-touch reminders."""
    form = PreferencesForm()
    digest, reminders = bool(form.digest.data), bool(form.reminders.data)
    services.set_preferences(g.attendee, digest=digest, reminders=reminders)
    if digest and reminders:
        flash(_("Saved: you get the follow-up email and the reminders."), "ok")
    elif digest:
        flash(_("Saved: you get the follow-up email."), "ok")
    else:
        flash(_("Saved: you get no follow-up email."), "ok")
    return redirect_to(url_for("digests.settings", slug=g.event.slug))


# ----------------------------------------------------------------------------- signed links

def link_problem(error: tokens.LinkError, event, what: str):
    """The page for a signed link we cannot honour: expired (410) or not ours (404)."""
    if error.code == "expired":
        return render_template("digests/link_problem.html", expired=True, what=what), 410
    return render_template("digests/link_problem.html", expired=False, what=what), 404


@bp.route("/e/<slug>/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the one-click POST comes from a mail provider, with no session and no token
def unsubscribe(slug: str, token: str):
    """GET: ask before unsubscribing. POST (the button, or a mail provider's one-click): unsubscribe."""
    event = get_event_or_404(slug)
    g.event = event
    try:
        attendee = services.attendee_for_unsubscribe(event, token)
    except tokens.LinkError as error:
        return link_problem(error, event, "unsubscribe link")
    if request.method == "GET":
        return render_template("digests/unsubscribe.html", attendee=attendee, token=token, done=False,
                               preference=services.get_preference(attendee))
    scope = UnsubscribeForm().value
    services.unsubscribe(attendee, scope)
    return render_template("digests/unsubscribe.html", attendee=attendee, token=token, done=True, scope=scope,
                           preference=services.get_preference(attendee))


@bp.post("/e/<slug>/unsubscribe/<token>/undo")
def resubscribe(slug: str, token: str):
    """Undo an unsubscribe from the page that confirmed it."""
    event = get_event_or_404(slug)
    g.event = event
    try:
        attendee = services.attendee_for_unsubscribe(event, token)
    except tokens.LinkError as error:
        return link_problem(error, event, "unsubscribe link")
    services.resubscribe(attendee)
    return render_template("digests/unsubscribe.html", attendee=attendee, token=token, done=False, resubscribed=True,
                           preference=services.get_preference(attendee))


@bp.route("/e/<slug>/followups/<token>/done", methods=["GET", "POST"])
def followup_done(slug: str, token: str):
    """A signed link from an email: GET asks (mail scanners open links), POST marks the follow-up done."""
    event = get_event_or_404(slug)
    g.event = event
    try:
        connection = services.connection_for_link(event, "followup-done", token)
    except tokens.LinkError as error:
        return link_problem(error, event, "link to mark a follow-up done")
    contact = contact_of(connection)
    name = card_for(contact, connection)["name"] if contact is not None else "a deleted attendee"
    if request.method == "POST":
        services.set_followup_done(connection, True)
    return render_template("digests/followup_done.html", name=name, connection=connection, token=token,
                           done=connection.followup_done_at is not None)


def _ics_response(connection, event):
    contact = contact_of(connection)
    body = ics.coffee_ics(connection, card_for(contact, connection) if contact is not None else None, event)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="coffee.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/e/<slug>/calendar/<token>.ics")
def calendar(slug: str, token: str):
    """A calendar file proposing a coffee with a contact (signed link from an email; no login)."""
    event = get_event_or_404(slug)
    try:
        connection = services.connection_for_link(event, "calendar", token)
    except tokens.LinkError as error:
        g.event = event
        return link_problem(error, event, "calendar link")
    return _ics_response(connection, event)


# ----------------------------------------------------------------------------- in the app

@bp.get("/e/<slug>/contacts/<int:connection_id>/coffee.ics")
@attendee_required
def contact_calendar(connection_id: int):
    """A calendar file proposing a coffee with one of my contacts."""
    connection = get_connection_or_404(g.attendee, connection_id)
    return _ics_response(connection, g.event)


@bp.post("/e/<slug>/contacts/<int:connection_id>/followup")
@attendee_required
def toggle_followup(connection_id: int):
    """Mark my follow-up with a contact done, or open it again (the contact page's toggle)."""
    connection = get_connection_or_404(g.attendee, connection_id)
    done = FollowupDoneForm().done.data == "1"
    services.set_followup_done(connection, done)
    if wants_fragment():
        return render_template("digests/_followup.html", connection=connection)
    flash(_("Follow-up marked done.") if done else _("Follow-up open again."), "ok")
    return redirect_to(url_for("connections.contact", slug=g.event.slug, connection_id=connection.id))


