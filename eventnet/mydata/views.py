"""My data, my choice: see what is stored, download it all, delete my account for the event."""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, url_for
from flask_babel import gettext as _

from ..auth.services import end_every_session
from ..auth.session import attendee_required, get_event_or_404, logout_user
from ..forms import errors_of
from ..htmx import redirect_to, render_page
from ..i18n.views import language_context
from . import services
from .forms import DeleteAccountForm
from .services import AccountError

bp = Blueprint("mydata", __name__, url_prefix="/e/<slug>/my-data")


def _overview(status: int = 200, error: str | None = None, typed: str = ""):
    return render_page("mydata/overview.html", "mydata/_delete_form.html", status=status,
                       summary=services.summary(g.attendee), error=error, typed=typed,
                       confirm_word=services.CONFIRM_WORD, confirm_max=services.CONFIRM_MAX, **language_context())


@bp.get("")
@attendee_required
def overview():
    """What is stored about me, where to change what I share, downloads, and account deletion."""
    return _overview()


@bp.post("/delete")
@attendee_required
def delete_account():
    """Delete my account for this event after a typed confirmation, then log me out."""
    form = DeleteAccountForm(g.attendee)
    if not form.validate_on_submit():
        return _overview(422, errors_of(form).get("confirm"), form.confirm.data)
    slug = g.event.slug  # the event object is gone from the session once the deletion commits
    try:
        services.delete_account(g.attendee, form.confirm.data)
    except AccountError as error:  # the last organizer: they name another first
        return _overview(409 if error.code == "last_organizer" else 422, error.message, form.confirm.data)
    logout_user()
    return redirect_to(url_for("mydata.deleted", slug=slug))


@bp.post("/log-out-everywhere")
@attendee_required
def log_out_everywhere():
    """End my sessions on every device, this one included (a lost phone, a shared computer)."""
    slug = g.event.slug
    end_every_session(g.attendee)
    logout_user()
    flash(_("You are logged out on every device. Ask for a new login link to log in again here."), "ok")
    return redirect_to(url_for("auth.login", slug=slug))


@bp.get("/deleted")
def deleted(slug: str):
    """The confirmation after an account was deleted (shows nothing about anyone)."""
    g.event = get_event_or_404(slug)
    return render_template("mydata/deleted.html")
