"""Digest control, the organizer's screens of the digests: the schedule and its counts, the test
send, "start now" (confirmed with the count, cancellable while held), pause, resume, retry and the
digest settings. Paths sit in the organizer's console (/e/<slug>/organizer/digests...); the
console's navigation links here."""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..attendees.finder import ListQuery
from ..auth.session import organizer_required
from ..confirmation import BulkError, ConfirmForm, Selection, hold_seconds, sign, verify
from ..errors import render_error
from ..extensions import limiter
from ..forms import errors_of, values_of
from ..i18n.formats import local_time
from ..htmx import redirect_to
from ..mail.relay import mail_state
from ..ratelimit import browser_key, limit
from . import control
from .forms import DigestSettingsForm, TestSendForm

bp = Blueprint("digest_control", __name__, url_prefix="/e/<slug>/organizer")


@bp.app_template_filter("event_moment")
def event_moment(moment):
    """"Wed, Jan 2, 2030, 08:15" / "Mi., 2. Jan. 2030, 08:15": a digest's time with its year, in the
    event's zone and the reader's language (a schedule may be set for a later year)."""
    return local_time(moment, "%a %d %b %Y, %H:%M")


def _digest_page(status: int = 200, errors: dict | None = None, values: dict | None = None, error: str | None = None):
    return render_template(
        "digests/control.html", schedule=control.schedule(g.event), failures=control.failures(g.event),
        errors=errors or {}, values=values or control.digests.settings_values(g.event), error=error,
        choices=control.digests.NO_CONTACTS_CHOICES, mail=mail_state(g.event),
        held=control.held(g.event),
    ), status


@bp.get("/digests")
@organizer_required
def page():
    """The digest schedule, per-status counts with failure reasons, the sample, and the controls."""
    return _digest_page()


@bp.post("/digests/test")
@limiter.limit(limit("digest_test"), key_func=browser_key,
               error_message=lambda: _("You sent several test digests in the last hour: wait a while before the next."))
@organizer_required
def send_test():
    """Email the event's sample digest (made-up people, never a real attendee's) to my own address."""
    form = TestSendForm()
    if not form.validate_on_submit():
        return _digest_page(400, error=next(iter(errors_of(form).values()), None))
    try:
        control.send_sample(g.event, g.attendee, form.variant.data)
    except control.DigestError as error:
        return _digest_page(error.status, error=error.message)
    flash(_("The sample digest is on its way to %(email)s.", email=g.attendee.email), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


EVERYONE = Selection(None, ListQuery())


@bp.get("/digests/start")
@organizer_required
def confirm_start():
    """Ask before sending the digests now: how many people get one, and that it can be cancelled."""
    return _digest_confirm()


def _digest_confirm(status: int = 200, error: str | None = None):
    count = control.to_start(g.event)
    form = ConfirmForm(formdata=None, token=sign(g.event, "digest", EVERYONE, count))
    return render_template("digests/confirm_start.html", count=count, form=form, error=error,
                           schedule=control.schedule(g.event), hold=hold_seconds()), status


@bp.post("/digests/start")
@organizer_required
def start():
    """Queue every recipient's digest now (held for the cancel window), once confirmed with the count."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_error(400, _("Nothing was sent"), _("Open the confirmation page and confirm there."))
    try:
        _action, shown = verify(g.event, "digest", form.token.data)
        if control.to_start(g.event) != shown:
            raise BulkError("count_changed")
    except BulkError as error:
        return _digest_confirm(error.status, error.message)
    count = control.start_now(g.event, g.attendee)
    if g.event.digests_paused:
        flash(ngettext("%(num)d digest was queued. Sending is paused: resume it to let it go out.",
                       "%(num)d digests were queued. Sending is paused: resume it to let them go out.", count), "ok")
    else:
        flash(ngettext("%(num)d digest was queued.", "%(num)d digests were queued.", count), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


@bp.post("/digests/cancel")
@organizer_required
def cancel():
    """Take back the digests "start now" queued, while they are held: none of them leaves."""
    try:
        count, goes_at = control.cancel_start(g.event, g.attendee)
    except BulkError as error:
        flash(error.message, "error")
    else:
        if goes_at:
            flash(ngettext("Cancelled: the digest did not leave. It will go out at its scheduled time, "
                           "%(when)s (%(zone)s).",
                           "Cancelled: none of the %(num)d digests left. They will go out at their scheduled time, "
                           "%(when)s (%(zone)s).", count, when=event_moment(goes_at), zone=g.event.timezone), "ok")
        else:
            flash(ngettext("Cancelled: the digest did not leave. Its scheduled time has passed, so it waits until you "
                           "start sending again.",
                           "Cancelled: none of the %(num)d digests left. Their scheduled time has passed, so they wait "
                           "until you start sending again.", count), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


@bp.post("/digests/pause")
@organizer_required
def pause():
    """Hold the event's digests and reminders."""
    control.pause(g.event, g.attendee)
    flash(_("Digests are paused: nothing more goes out until you resume."), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


@bp.post("/digests/resume")
@organizer_required
def resume():
    """Let the event's digests and reminders go out again."""
    control.resume(g.event, g.attendee)
    flash(_("Digests are sending again."), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


@bp.post("/digests/retry")
@organizer_required
def retry():
    """Queue the failed digests and reminders again."""
    count = control.retry(g.event, g.attendee)
    flash(ngettext("%(num)d failed email was queued again.", "%(num)d failed emails were queued again.", count), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))


@bp.post("/digests/settings")
@organizer_required
def save_settings():
    """Save the digest time, what attendees without contacts get, reminders and reply-to."""
    form = DigestSettingsForm(g.event)
    if not form.validate_on_submit():
        return _digest_page(422, errors=errors_of(form), values=values_of(form))
    control.save_settings(g.event, g.attendee, form.digest_settings())
    flash(_("The digest settings were saved."), "ok")
    return redirect_to(url_for("digest_control.page", slug=g.event.slug))
