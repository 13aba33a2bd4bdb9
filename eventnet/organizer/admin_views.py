"""/admin: administrators create events and name their organizers.

An administrator is an email address set on the server (`flask admin add EMAIL`) that logs in
here, at /admin/login, with a link sent to that address; see organizer.admin for why an event
login never counts. Everyone else is sent to that login page.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, g, make_response, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.services import request_admin_login, token_minutes
from ..auth.session import current_administrator, logout_admin
from ..errors import fail
from ..extensions import db, limiter
from ..events.models import Event
from ..forms import EMAIL_MAX, errors_of, values_of
from ..htmx import redirect_to
from ..ratelimit import client_address, email_key, limit
from . import admin, settings
from .forms import AdminLoginForm, EventForm, NewEventForm, OrganizerForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

def RATE_LIMITED() -> str:  # noqa: N802  (Flask-Limiter calls it when a limit is hit: in that request's language)
    return _("Too many login requests from here or for this address. Wait a few minutes and try again.")


def admin_required(view):
    """Only a browser with an administrator session; everyone else goes to /admin/login."""

    @wraps(view)
    def wrapped(**kwargs):
        administrator = current_administrator()
        if administrator is None:
            return redirect_to(url_for("admin.login"))
        g.admin = administrator
        return view(**kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limit("admin_login_per_client"), key_func=client_address, methods=["POST"], error_message=RATE_LIMITED)
@limiter.limit(limit("admin_login_per_address"), key_func=email_key, methods=["POST"], error_message=RATE_LIMITED)
def login():
    """Administrators ask for a login link, sent to their address (set on the server)."""
    if request.method == "GET":
        if current_administrator() is not None:
            return redirect_to(url_for("admin.index"))
        return render_template("organizer/admin_login.html", email="", error=None, sent=False)
    form = AdminLoginForm()
    if not form.validate_on_submit():
        return render_template("organizer/admin_login.html", email=form.email.data[:EMAIL_MAX], sent=False,
                               error=errors_of(form).get("email")), 422
    request_admin_login(form.email.data)
    response = make_response(render_template("organizer/admin_login.html", email=form.email.data, error=None,
                                             sent=True, minutes=token_minutes()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/logout")
def logout():
    """End this browser's administrator session (an attendee session in it stays)."""
    logout_admin()
    flash(_("You are logged out of the administration."), "ok")
    return redirect_to(url_for("admin.login"))


def _event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        fail(404, _("There is no such event."))
    return event


def _index(form, status=200, errors=None):
    return render_template("organizer/admin.html", events=admin.events_with_organizers(),
                           values=values_of(form), errors=errors or errors_of(form)), status


@bp.get("")
@admin_required
def index():
    """Every event with its organizers, and the form to create an event."""
    return _index(NewEventForm())


@bp.post("/events")
@admin_required
def create_event():
    """Create an event from the form (times in its own time zone)."""
    form = NewEventForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        event = admin.create_event_as(g.admin, form.slug.data, form.name.data, form.starts_at.moment,
                                      form.ends_at.moment, form.timezone.data, form.venue.data)
    except admin.AdminError as error:  # the slug is taken: only the database knows
        return _index(form, 422, {"form": error.message})
    flash(_("%(event)s was created at %(path)s. Name its organizers below.", event=event.name, path=f"/e/{event.slug}/"), "ok")
    return redirect_to(url_for("admin.event", event_id=event.id))


@bp.get("/events/<int:event_id>")
@admin_required
def event(event_id: int):
    """One event: its details to edit, and its organizers."""
    found = _event_or_404(event_id)
    return _event_page(found, EventForm(data=settings.form_values(found)))


def _event_page(found, form, status=200, organizer_error=None, organizer_values=None):
    organizers = next((o for e, o in admin.events_with_organizers() if e.id == found.id), [])
    return render_template("organizer/admin_event.html", target=found, organizers=organizers, values=values_of(form),
                           errors=errors_of(form), limits=settings.LIMITS, organizer_error=organizer_error,
                           organizer_values=organizer_values or {"email": "", "name": ""}), status


@bp.post("/events/<int:event_id>")
@admin_required
def save_event(event_id: int):
    """Save an event's details and scanning window."""
    found = _event_or_404(event_id)
    form = EventForm()
    if not form.validate_on_submit():
        return _event_page(found, form, 422)
    settings.update_event(found, g.admin, form.event_input())
    flash(_("%(name)s was saved.", name=found.name), "ok")
    return redirect_to(url_for("admin.event", event_id=found.id))


@bp.post("/events/<int:event_id>/organizers")
@admin_required
def add_organizer(event_id: int):
    """Make an email address an organizer of the event (a new attendee if need be)."""
    found = _event_or_404(event_id)
    form = OrganizerForm()
    if not form.validate_on_submit():
        return _organizer_refused(found, form, next(iter(errors_of(form).values()), None))
    try:
        person, created = admin.add_organizer(found, g.admin, form.email.data, form.name.data)
    except admin.AdminError as error:  # a new address without a name: only the database knows
        return _organizer_refused(found, form, error.message)
    if created:
        flash(_("%(name)s <%(email)s> is added as an organizer of %(event)s.", name=person.name, email=person.email,
                event=found.name), "ok")
    else:
        flash(_("%(name)s <%(email)s> is now an organizer of %(event)s.", name=person.name, email=person.email,
                event=found.name), "ok")
    return redirect_to(url_for("admin.event", event_id=found.id))


def _organizer_refused(found, form, message: str):
    """The event's page again (its saved details) with the organizer form as typed and why not (422)."""
    return _event_page(found, EventForm(formdata=None, data=settings.form_values(found)), 422, message,
                       values_of(form))
