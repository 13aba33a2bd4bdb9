"""The organizer's console of one event: dashboard, attendees, import, badges, login emails,
the event's details and the audit log. Every route is for this event's organizers.

The features' own screens live with them (digest control: eventnet.digests.organizer_views, badge
printing: eventnet.badges.organizer_views, CSV import: eventnet.attendees.importer.views); the
console's navigation links to them."""
from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, Response, current_app, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from ..attendees import email_change
from ..auth.session import organizer_required
from ..errors import render_error
from ..extensions import db
from ..htmx import redirect_to, render_page
from ..forms import errors_of, parse_page, values_of
from . import attendees as people
from ..audit import services as audit
from ..digests import control as digest_control
from . import bulk, dashboard, exports, settings, shell
from ..attendees import finder
from ..attendees.finder import ListQuery
from .attendees import AttendeeInvalid, OrganizerError
from .bulk import BulkError, Selection
from .forms import AttendeeForm, BulkActionForm, ConfirmForm, EventForm

bp = Blueprint("organizer", __name__, url_prefix="/e/<slug>/organizer")


@bp.record_once
def _console_globals(state):
    shell.init_app(state.app)


# ----------------------------------------------------------------------------- dashboard

@bp.get("/")
@organizer_required
def dashboard_page():
    """The live picture of the event: logins, exchanges per hour, follow-ups; refreshes itself."""
    return render_template("organizer/dashboard.html", board=dashboard.build_dashboard(g.event))


@bp.get("/live")
@organizer_required
def dashboard_live():
    """The dashboard's numbers as a fragment, polled by the dashboard page (the whole page without htmx)."""
    return render_page("organizer/dashboard.html", "organizer/_dashboard_live.html", board=dashboard.build_dashboard(g.event))


# ----------------------------------------------------------------------------- attendees

@bp.get("/attendees")
@organizer_required
def attendees():
    """The event's attendees as a dense table: search, filters, sort, pages, row menus, bulk actions."""
    result = finder.list_attendees(g.event, ListQuery.from_args(request.args))
    response = render_page("organizer/attendees.html", "organizer/_attendee_rows.html", result=result,
                           never_logged_in=result.never_logged_in, page_sizes=finder.PAGE_SIZES,
                           row_urls=RowUrls(g.event.slug))
    if request.headers.get("HX-Request") == "true":
        # The filter form sends every field (an empty role, the default page size): the address
        # bar gets the short form of the same list instead, as the links on the page write it.
        response.headers["HX-Push-Url"] = url_for("organizer.attendees", slug=g.event.slug, **result.query.args())
    return response


ROW_ID = 987654321  # stands for the attendee's id in the row menu's URLs (see RowUrls)
ROW_ENDPOINTS = {"login_link": "organizer.login_link", "badge": "badge_printing.single_pdf",
                 "reissue": "organizer.confirm_reissue", "end_sessions": "organizer.confirm_end_sessions",
                 "edit": "organizer.edit_attendee", "remove": "organizer.confirm_remove"}


class RowLinks(NamedTuple):
    """One attendee's row-menu URLs, escaped for HTML (Markup)."""

    login_link: Markup
    badge: Markup
    reissue: Markup
    end_sessions: Markup
    edit: Markup
    remove: Markup


class RowUrls:
    """The row menu's URLs of any attendee of the event: `row_urls(attendee_id) -> RowLinks`.

    Each endpoint is built once by url_for, as the escaped text before and after the attendee's
    id, so every URL still comes from the URL map. Six url_for calls per row were a third of the
    page's time at 50 rows, and joining the pieces in the template cost three escapes per URL.
    """

    def __init__(self, slug: str):
        self._parts = []
        for name in RowLinks._fields:
            before, _id, after = url_for(ROW_ENDPOINTS[name], slug=slug, attendee_id=ROW_ID).partition(str(ROW_ID))
            self._parts.append((str(escape(before)), str(escape(after))))

    def __call__(self, attendee_id: int) -> RowLinks:
        id_ = str(int(attendee_id))  # digits: nothing to escape
        return RowLinks._make([Markup(before + id_ + after) for before, after in self._parts])


# ----------------------------------------------------------------------------- bulk actions

def _back_to_list(selection_args: dict | None = None):
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug, **(selection_args or {})))


@bp.get("/attendees/bulk")
@organizer_required
def bulk_action():
    """Start a bulk action on the ticked attendees or everyone matching: a confirmation page
    (emails, removal), the badge page, or the exported file. Nothing changes here."""
    form = BulkActionForm(request.args)
    filters = ListQuery.from_args(request.args).filter_args()
    if not form.validate():
        flash(BulkError("unknown_action").message, "error")
        return _back_to_list(filters)
    try:
        selection = Selection.from_args(request.args)
    except BulkError as error:
        flash(error.message, "error")
        return _back_to_list(filters)
    action = form.action.data
    if action == "badges":
        return redirect_to(url_for("badge_printing.page", slug=g.event.slug, **selection.args()))
    if action in ("export_csv", "export_xlsx"):
        return _export(selection, action.removeprefix("export_"))
    return _confirm_page(action, selection)


def _confirm_page(action: str, selection: Selection, status: int = 200, error: str | None = None):
    """The confirmation of a mass action: the exact number, what they get, a signed token for the POST."""
    count = bulk.count(g.event, selection)
    form = ConfirmForm(formdata=None, token=bulk.sign(g.event, action, selection, count))
    plan = bulk.removal_plan(g.event, g.attendee, selection) if action == "remove" else None
    return render_template("organizer/confirm_bulk.html", action=action, selection=selection, count=count,
                           who=selection.describe(count), form=form, plan=plan, error=error,
                           hours=int(current_app.config.get("INVITE_LINK_HOURS", people.INVITE_HOURS_DEFAULT)),
                           hold=bulk.hold_seconds(), max_remove=bulk.MAX_REMOVE), status


def _export(selection: Selection, kind: str) -> Response:
    rows = bulk.with_counts(g.event, selection)
    audit.record(g.event, g.attendee, "attendees_exported", count=len(rows), format=kind,
                 **selection.stored(len(rows)))
    db.session.commit()
    if kind == "xlsx":
        response = Response(exports.attendees_xlsx(g.event, rows), mimetype=exports.XLSX_TYPE)
    else:
        response = Response(exports.attendees_csv(g.event, rows), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="attendees-{g.event.slug}.{kind}"'
    # People's names and addresses: kept out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refused(action: str, error: BulkError, token: str):
    """A confirmation POST that cannot go on: the page again with the current number, or why not."""
    try:
        selection, _shown = bulk.verify(g.event, action, token)
    except BulkError:
        return render_error(error.status, _("Nothing was done"), error.message)
    return _confirm_page(action, selection, error.status, error.message)


@bp.post("/attendees/bulk/remove")
@organizer_required
def bulk_remove():
    """Remove the confirmed selection, once the count is typed; nobody goes without both."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_error(400, _("Nothing was removed"), _("Open the confirmation page and confirm there."))
    try:
        removed = bulk.remove(g.event, g.attendee, form.token.data, form.typed.data)
    except BulkError as error:
        return _refused("remove", error, form.token.data)
    flash(ngettext("%(num)d attendee was removed from the event.", "%(num)d attendees were removed from the event.", removed),
          "ok")
    return _back_to_list()


def _attendee_form(attendee, form, status=200, errors=None):
    return render_page("organizer/attendee_form.html", "organizer/_attendee_form.html", status=status,
                       attendee=attendee, values=values_of(form), errors=errors or errors_of(form), limits=people.LIMITS,
                       has_data=attendee is not None and finder.has_own_data(attendee))


@bp.get("/attendees/new")
@organizer_required
def new_attendee():
    """The form to add one attendee by hand."""
    return _attendee_form(None, AttendeeForm(data=people.form_values(None)))


@bp.post("/attendees/new")
@organizer_required
def create_attendee():
    """Add one attendee by hand; the form again with messages if something is wrong."""
    form = AttendeeForm()
    if not form.validate_on_submit():
        return _attendee_form(None, form, 422)
    try:
        attendee = people.add_attendee(g.event, g.attendee, form.attendee_input())
    except AttendeeInvalid as error:  # the email is taken in this event
        return _attendee_form(None, form, 422, error.errors)
    flash(_("%(name)s was added (badge code %(code)s).", name=attendee.name, code=attendee.short_code), "ok")
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug, q=attendee.email))


@bp.get("/attendees/<int:attendee_id>/edit")
@organizer_required
def edit_attendee(attendee_id: int):
    """The form to change an attendee's email, name, company, headline or role."""
    attendee = people.get_attendee_or_404(g.event, attendee_id)
    return _attendee_form(attendee, AttendeeForm(data=people.form_values(attendee)))


@bp.post("/attendees/<int:attendee_id>/edit")
@organizer_required
def update_attendee(attendee_id: int):
    """Save an attendee's changed details."""
    attendee = people.get_attendee_or_404(g.event, attendee_id)
    form = AttendeeForm()
    if not form.validate_on_submit():
        return _attendee_form(attendee, form, 422)
    try:
        result = people.update_attendee(g.event, g.attendee, attendee, form.attendee_input())
    except AttendeeInvalid as error:  # the email is another attendee's, or my own role
        return _attendee_form(attendee, form, 422, error.errors)
    if result.email_pending:
        flash(ngettext("%(name)s was saved, but their email stays %(email)s for now: they have contacts or notes, so a "
                       "confirmation was sent to their current address. It changes to %(new)s when they confirm it "
                       "there (the link works for %(num)d day).",
                       "%(name)s was saved, but their email stays %(email)s for now: they have contacts or notes, so a "
                       "confirmation was sent to their current address. It changes to %(new)s when they confirm it "
                       "there (the link works for %(num)d days).",
                       email_change.VALID_DAYS, name=attendee.name, email=attendee.email, new=result.email_pending),
              "ok")
    elif result.email_changed and attendee.id != g.attendee.id:
        flash(_("%(name)s was saved with the new email %(email)s; they log in with it from now on (any device they "
                "were logged in on is logged out).", name=attendee.name, email=attendee.email), "ok")
    else:
        flash(_("%(name)s was saved.", name=attendee.name), "ok")
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug, q=attendee.email))


@bp.get("/attendees/<int:attendee_id>/remove")
@organizer_required
def confirm_remove(attendee_id: int):
    """Ask before removing an attendee: their profile, notes and scans go for good."""
    attendee = people.get_attendee_or_404(g.event, attendee_id)
    return render_template("organizer/confirm_remove.html", attendee=attendee, error=None)


@bp.post("/attendees/<int:attendee_id>/remove")
@organizer_required
def remove_attendee(attendee_id: int):
    """Remove an attendee with everything of theirs, and go back to the list."""
    slug = g.event.slug
    try:
        name = people.remove_attendee(g.event, g.attendee, attendee_id)
    except OrganizerError as error:
        attendee = people.get_attendee_or_404(g.event, attendee_id)
        return render_template("organizer/confirm_remove.html", attendee=attendee, error=error.message), 409
    flash(_("%(name)s was removed from the event.", name=name), "ok")
    return redirect_to(url_for("organizer.attendees", slug=slug))


@bp.get("/attendees/<int:attendee_id>/reissue-badge")
@organizer_required
def confirm_reissue(attendee_id: int):
    """Ask before reissuing a badge: the old QR stops working at once."""
    attendee = people.get_attendee_or_404(g.event, attendee_id)
    return render_template("organizer/confirm_reissue.html", attendee=attendee)


@bp.post("/attendees/<int:attendee_id>/reissue-badge")
@organizer_required
def reissue_badge(attendee_id: int):
    """Reissue an attendee's badge (lost badge) and go back to the list."""
    attendee = people.reissue_attendee_badge(g.event, g.attendee, attendee_id)
    flash(_("%(name)s has a new badge (code %(code)s); the old one no longer works. Print the new one from the list.",
            name=attendee.name, code=attendee.short_code), "ok")
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug, q=attendee.email))


@bp.get("/attendees/<int:attendee_id>/log-out-everywhere")
@organizer_required
def confirm_end_sessions(attendee_id: int):
    """Ask before logging an attendee out on every device (they reported a phone lost)."""
    attendee = people.get_attendee_or_404(g.event, attendee_id)
    return render_template("organizer/confirm_end_sessions.html", attendee=attendee)


@bp.post("/attendees/<int:attendee_id>/log-out-everywhere")
@organizer_required
def end_sessions(attendee_id: int):
    """Log an attendee out on every device and go back to the list."""
    attendee = people.end_attendee_sessions(g.event, g.attendee, attendee_id)
    flash(_("%(name)s is logged out on every device. Give them a login link to log in again.", name=attendee.name), "ok")
    return redirect_to(url_for("organizer.attendees", slug=g.event.slug, q=attendee.email))


@bp.post("/attendees/<int:attendee_id>/login-link")
@organizer_required
def login_link(attendee_id: int):
    """Log in the attendee at the desk: a link emailed to them if they have data, else shown once, here."""
    desk = people.helpdesk_login(g.event, g.attendee, attendee_id)
    response = render_page("organizer/login_link.html", "organizer/_login_link.html", desk=desk,
                           attendee=desk.attendee)
    # Possibly a login secret: no cache, no back-button copy, no history restore.
    response.headers["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------------------- login emails

NEVER_LOGGED_IN = Selection(None, ListQuery(never_logged_in=True))


@bp.get("/login-emails")
@organizer_required
def confirm_login_emails():
    """Ask before emailing a login link to everyone who has never logged in, with their number."""
    count = bulk.count(g.event, NEVER_LOGGED_IN)
    form = ConfirmForm(formdata=None, token=bulk.sign(g.event, "email", NEVER_LOGGED_IN, count))
    return render_template("organizer/login_emails.html", count=count, error=None, form=form, hold=bulk.hold_seconds())


@bp.post("/login-emails")
@organizer_required
def send_login_emails():
    """Queue the confirmed login emails (held for the cancel window) and show their progress.

    Only with the token of a confirmation page (this one's "everyone who never logged in", or the
    attendee list's bulk confirmation), and only while its number still holds: otherwise nothing
    is queued and the confirmation is shown again."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_error(400, _("Nothing was sent"), _("Open the confirmation page and confirm there."))
    try:
        selection, count = bulk.confirmed(g.event, "email", form.token.data)
        entry = people.queue_login_emails(g.event, g.attendee, bulk.chosen(g.event, selection),
                                          **selection.stored(count))
    except BulkError as error:
        return _refused("email", error, form.token.data)
    except OrganizerError as error:
        return render_error(409, _("Nothing was sent"), error.message)
    return redirect_to(url_for("organizer.login_emails_progress", slug=g.event.slug, entry_id=entry.id))


@bp.get("/login-emails/<int:entry_id>")
@organizer_required
def login_emails_progress(entry_id: int):
    """How many of one batch of login emails are held, sent, failed; htmx polls the fragment."""
    progress = people.sending_progress(g.event, entry_id)
    return render_page("organizer/login_emails_progress.html", "organizer/_sending_progress.html", progress=progress,
                       who=audit.who(progress.entry))


@bp.post("/login-emails/<int:entry_id>/cancel")
@organizer_required
def cancel_emails(entry_id: int):
    """Cancel a batch of login emails while it is held: none of them leaves."""
    try:
        cancelled = people.cancel_login_emails(g.event, g.attendee, entry_id)
    except BulkError as error:
        flash(error.message, "error")
    else:
        flash(ngettext("Cancelled: the login email did not leave.", "Cancelled: none of the %(num)d login emails left.",
                       cancelled), "ok")
    return redirect_to(url_for("organizer.login_emails_progress", slug=g.event.slug, entry_id=entry_id))


# ----------------------------------------------------------------------------- the event

@bp.get("/event")
@organizer_required
def event_settings():
    """The event's details, its scanning window and its digest settings."""
    return _event_form(EventForm(data=settings.form_values(g.event)))


def _event_form(form, status=200):
    return render_template("organizer/event.html", values=values_of(form), errors=errors_of(form),
                           limits=settings.LIMITS, schedule=digest_control.schedule(g.event)), status


@bp.post("/event")
@organizer_required
def save_event_settings():
    """Save the event's details and scanning window."""
    form = EventForm()
    if not form.validate_on_submit():
        return _event_form(form, 422)
    settings.update_event(g.event, g.attendee, form.event_input())
    flash(_("The event's details were saved."), "ok")
    return redirect_to(url_for("organizer.event_settings", slug=g.event.slug))


# ----------------------------------------------------------------------------- audit log

@bp.get("/audit")
@organizer_required
def audit_log():
    """Who did what, when: every organizer action of this event, newest first."""
    result = audit.audit_page(g.event, parse_page(request.args.get("page")))
    return render_template("organizer/audit.html", result=result, describe=audit.describe, details=audit.details,
                           actor=audit.actor)
