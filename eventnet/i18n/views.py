"""Changing language: the attendee's remembered setting, and the anonymous visitor's cookie."""
from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from ..auth.services import safe_next
from ..auth.session import attendee_required
from ..forms import errors_of
from ..htmx import redirect_to, render_page, wants_fragment
from . import services
from .forms import AttendeeLanguageForm, LanguageForm
from .selection import COOKIE

bp = Blueprint("i18n", __name__)

COOKIE_DAYS = 365


@bp.post("/language")
def switch():
    """The language switcher of anonymous visitors: a `lang` cookie, then back to the page."""
    form = LanguageForm()
    back = safe_next(request.form.get("next")) or url_for("events.index")
    if not form.validate_on_submit():
        return _invalid()
    response = redirect(back, 303)
    response.set_cookie(COOKIE, form.language.data, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response


@bp.post("/e/<slug>/language")
@attendee_required
def save():
    """The attendee's own language, remembered on their account (My data)."""
    form = AttendeeLanguageForm()
    if not form.validate_on_submit():
        if wants_fragment():
            return render_page("mydata/overview.html", "i18n/_language_form.html", status=422,
                               **language_context(form, errors_of(form).get("language")))
        return _invalid()
    services.set_language(g.attendee, form.chosen())
    refresh()  # the message below is in the language just chosen
    flash(_("Language saved."), "ok")
    # htmx reloads the whole page (HX-Redirect): every word on it changes, not just the form.
    return redirect_to(url_for("mydata.overview", slug=g.event.slug))


def _invalid():
    # Only a forged or stale post gets here: the form offers nothing else.
    return make_response(render_template("errors/error.html", status=422, title=_("Please check your input"),
                                         detail=_("Choose one of the languages in the list.")), 422)


def language_context(form: AttendeeLanguageForm | None = None, error: str | None = None) -> dict:
    """What templates/i18n/_language_form.html needs, for the page that includes it."""
    if form is None:
        form = AttendeeLanguageForm(data={"language": g.attendee.language or ""})
    return {"language_form": form, "language_error": error}
