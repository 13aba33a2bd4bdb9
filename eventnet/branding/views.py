"""The event's look: the organizer's page to set it, and the two public files pages load.

Organizer routes (`/e/<slug>/organizer/look...`) follow the console's rules: organizers of this
event only, CSRF on every POST, plain forms that redirect after success and answer 422 with the
page and its messages otherwise. The logo upload is rate-limited per browser: each one costs a
decode and a re-encode.

Caching of the public files: both URLs name one immutable thing, so browsers and shared caches
may keep them for a year. A logo's URL carries its random key (new with every logo); the theme
stylesheet's carries the colour itself and the rule's version (services.THEME_RULE). A removed
logo's URL answers 404 from then on, and no page points at it any more.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, flash, g, render_template, request, url_for
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..auth.session import organizer_required
from ..errors import fail, render_error
from ..extensions import limiter
from ..htmx import redirect_to
from ..ratelimit import browser_key, limit
from . import colors, services
from .colors import AccentRefused
from .forms import AccentForm, LogoForm
from .images import MAX_BYTES, LogoRefused

bp = Blueprint("branding", __name__)


@bp.app_template_filter("look_number")
def look_number(value: float, pattern: str = "0.0") -> str:
    """A contrast ratio or a size as the reader's language writes decimals ("4.5", "4,5")."""
    return format_decimal(value, pattern, locale=get_locale() or "en")

PAGE = "branding/look.html"
ONE_YEAR = 31_536_000  # seconds
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
LOGO_REQUEST_LIMIT = MAX_BYTES + 64 * 1024  # the file and the form's few small fields
_KEY = re.compile(r"[A-Za-z0-9_-]{16,43}")
_ACCENT = re.compile(r"[0-9a-f]{6}")


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    # Runs before the app's before_request functions (CSRF reads the form there) and so before
    # the app-wide 2 MB limit would refuse a large logo with a bare 413.
    if endpoint == "branding.upload_logo":
        request.max_content_length = LOGO_REQUEST_LIMIT


@bp.errorhandler(413)
def _too_large(error):
    """A body over the limit: say how large a logo may be."""
    return render_error(413, _("That file is too large"), LogoRefused("too_large").message)


@bp.app_context_processor
def _brand():
    # Every page's header and stylesheet (base.html) reads `brand`; emails get theirs when
    # queued (mail.outbox.render_email), since they are rendered outside any request.
    event = g.get("event")
    try:
        return {"brand": services.page_brand(event)}
    except SQLAlchemyError:
        # An error page while the database is failing must still render: the default look.
        return {"brand": services.page_brand(None)}


def _page(status: int = 200, accent_error: AccentRefused | None = None, typed: str | None = None,
          logo_error: str | None = None):
    event = g.event
    return render_template(
        PAGE, accent=services.accent_of(event), typed=event.accent_color if typed is None else typed,
        accent_error=accent_error, logo=services.logo_row(event), logo_error=logo_error,
        logo_max_mb=MAX_BYTES // 1024 // 1024, default_accent=colors.DEFAULT_ACCENT,
    ), status


@bp.get("/e/<slug>/organizer/look")
@organizer_required
def look():
    """The event's look: accent colour and logo, with how they will show in light and dark mode."""
    return _page()


@bp.post("/e/<slug>/organizer/look/accent")
@organizer_required
def save_accent():
    """Store the accent colour ("" for the default); 422 with the contrast and a passing shade."""
    form = AccentForm()
    typed = (form.accent_color.data or "")[:32]
    if not form.validate():
        refused = AccentRefused("not_a_color", _("Enter a colour as # and six hex digits, like #0b57d0."))
        return _page(422, refused, typed)
    try:
        color = services.set_accent(g.event, g.attendee, typed)
    except AccentRefused as refused:
        return _page(422, refused, typed)
    if color:
        flash(_("The accent colour is now %(color)s.", color=color), "ok")
    else:
        flash(_("The accent colour is the default blue again."), "ok")
    return redirect_to(url_for("branding.look", slug=g.event.slug))


@bp.post("/e/<slug>/organizer/look/logo")
@organizer_required
@limiter.limit(limit("logo_upload"), key_func=browser_key)
def upload_logo():
    """Take an uploaded logo, check it, store it as a bare PNG; 422/413 with the reason."""
    upload = LogoForm().logo.data
    try:
        if upload is None or not upload.filename:
            raise LogoRefused("no_file")
        # One byte past the limit is enough to know it is over (process_logo says too_large).
        services.set_logo(g.event, g.attendee, upload.read(MAX_BYTES + 1))
    except LogoRefused as refused:
        return _page(refused.status, logo_error=refused.message)
    flash(_("The logo was saved. It shows in the app's header, in emails and on badges."), "ok")
    return redirect_to(url_for("branding.look", slug=g.event.slug))


@bp.post("/e/<slug>/organizer/look/logo/remove")
@organizer_required
def remove_logo():
    """Delete the logo: the header shows the event's name alone again, and its URL stops answering."""
    removed = services.remove_logo(g.event, g.attendee)
    flash(_("The logo was removed.") if removed else _("There was no logo to remove."), "ok")
    return redirect_to(url_for("branding.look", slug=g.event.slug))


def _immutable(body: bytes, mimetype: str, etag: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = IMMUTABLE
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/e/<slug>/logo/<key>.png")
def logo(slug: str, key: str):
    """The event's current logo by its key; 404 for a key that is unknown, replaced or removed."""
    row = services.public_logo(slug, key) if _KEY.fullmatch(key) else None
    if row is None:
        fail(404, _("There is no logo here."))
    response = _immutable(row.data, row.content_type, row.sha256[:32])
    # Only our pages show it (emails carry their own inline copy).
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.get("/theme/<accent>.css")
def theme_css(accent: str):
    """The stylesheet that gives an accent's pages their colours, light and dark; 404 for a
    colour the contrast rule refuses (no page links to one)."""
    try:
        colors_ = colors.accent_colors("#" + accent) if _ACCENT.fullmatch(accent) else None
    except ValueError:
        colors_ = None
    if colors_ is None:
        fail(404, _("There is no theme here."))
    css = colors.theme_css(colors_)
    return _immutable(css.encode(), "text/css", f"{services.THEME_RULE}-{accent}")
