"""Login by magic link or typed code, and logout."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..database import utcnow
from ..extensions import limiter
from ..forms import errors_of
from ..htmx import redirect_to
from ..i18n.markers import N_
from ..ratelimit import client_address, email_key, limit
from . import services
from .forms import EMAIL_MAX, CodeForm, LoginForm
from .services import LoginError, safe_next
from .session import ADMIN_SESSION_HOURS, current_attendee, get_event_or_404, login_admin, login_user, logout_user

bp = Blueprint("auth", __name__)

# Remembered between "email me a link" and "type the code", so the address is not typed twice.
PENDING_EMAIL = "login_email"

# Marked for the catalog, translated where the page is made (confirm).
PROBLEMS = {
    "invalid": (400, N_("This login link is not valid"),
                N_("The link may have been cut short or mistyped. Ask for a new one; it takes a few seconds.")),
    "expired": (410, N_("This login link has expired"),
                N_("Links work for a short time only, to keep your account safe. Ask for a new one.")),
    "used": (410, N_("This login link was already used"),
             N_("Each link logs in once. If that was not you, ask for a new link: older ones stop mattering.")),
    "replaced": (410, N_("This login link was replaced by a newer one"),
                 N_("A newer login email was sent since: use the link or code in the latest one, or ask for a new link.")),
}
def RATE_LIMITED() -> str:  # noqa: N802  (Flask-Limiter calls it when a limit is hit: in that request's language)
    return _("Too many login attempts from here or for this address. Please wait a few minutes and try again; a "
             "link already sent keeps working until it expires.")


def _no_store(response: Response) -> Response:
    # Pages carrying a login token or code must not be kept by any cache. Their Referer goes
    # to this site only (Referrer-Policy: same-origin), which Flask-WTF's HTTPS check needs.
    response.headers["Cache-Control"] = "no-store"
    return response


def _after_login(login_token, next_path: str | None) -> Response:
    attendee = login_token.attendee
    # A link or code an organizer saw on the help desk's screen starts a desk session.
    login_user(attendee, desk=login_token.origin == "desk_screen")
    flash(_("Welcome, %(name)s. You are logged in.", name=attendee.name), "ok")
    return redirect(next_path or landing_page(attendee), 303)


def landing_page(attendee) -> str:
    """Where a login without a `next` lands: an organizer's console dashboard, anyone else's home."""
    if attendee.is_organizer:
        return url_for("organizer.dashboard_page", slug=attendee.event.slug)
    return url_for("events.home", slug=attendee.event.slug)


@bp.route("/e/<slug>/login", methods=["GET", "POST"])
@limiter.limit(limit("login_per_client"), key_func=client_address, methods=["POST"], error_message=RATE_LIMITED)
@limiter.limit(limit("login_per_address"), key_func=email_key, methods=["POST"], error_message=RATE_LIMITED)
def login(slug: str):
    """Ask for an email address and send that attendee a login link."""
    event = g.event = get_event_or_404(slug)
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        me = current_attendee()
        if me is not None and me.event_id == event.id:
            return redirect(landing_page(me), 303)
        return render_template("auth/login.html", email="", error=None, next_path=next_path)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", email=form.email.data[:EMAIL_MAX],
                               error=errors_of(form).get("email"), next_path=next_path), 422
    services.request_login(event, form.email.data, next_path)
    session[PENDING_EMAIL] = form.email.data
    return redirect(url_for("auth.code", slug=event.slug, next=next_path), 303)


@bp.route("/e/<slug>/login/code", methods=["GET", "POST"])
@limiter.limit(limit("code_per_client"), key_func=client_address, methods=["POST"], error_message=RATE_LIMITED)
def code(slug: str):
    """"Check your email": the typed-code form, and logging in with it."""
    event = g.event = get_event_or_404(slug)
    next_path = safe_next(request.values.get("next"))
    context = {"next_path": next_path, "minutes": services.token_minutes()}
    if request.method == "GET":
        email = session.get(PENDING_EMAIL, "")
        return _no_store(make_response(render_template(
            "auth/check_email.html", email=email, sent=bool(email), error=None, **context)))
    form = CodeForm()  # no rules of its own: redeem_code says whether the code is right
    email = form.email.data
    try:
        login_token = services.redeem_code(event, email, form.code.data)
    except LoginError as exc:
        if exc.code == "codes_paused":
            return _codes_paused(exc, email, context)
        error = ngettext("That code is not right, or it has expired. A code works for %(num)d minute and stops "
                         "after %(tries)d wrong tries; then ask for a new link.",
                         "That code is not right, or it has expired. A code works for %(num)d minutes and stops "
                         "after %(tries)d wrong tries; then ask for a new link.",
                         context["minutes"], tries=services.MAX_CODE_ATTEMPTS)
        return _no_store(make_response(render_template(
            "auth/check_email.html", email=email, sent=False, error=error, **context), 422))
    return _after_login(login_token, next_path)


def _codes_paused(exc: LoginError, email: str, context: dict) -> Response:
    """Too many typed codes for this address: codes wait a while; the emailed link works now."""
    wait = max(int((exc.retry_at - utcnow()).total_seconds()), 1)
    minutes = -(-wait // 60)
    error = ngettext("Too many codes were tried for this address. Typed codes work again in %(num)d minute; "
                     "the link in the login email works right now.",
                     "Too many codes were tried for this address. Typed codes work again in %(num)d minutes; "
                     "the link in the login email works right now.", minutes)
    response = _no_store(make_response(render_template(
        "auth/check_email.html", email=email, sent=False, error=error, **context), 429))
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Show a "Log in" button for a link (GET changes nothing); the POST logs in."""
    next_path = safe_next(request.values.get("next"))
    try:
        if request.method == "POST":
            login_token = services.redeem_link(token)
            if login_token.administrator_id is not None:
                login_admin(login_token.administrator_id)
                flash(_("You are logged in as an administrator."), "ok")
                return _no_store(redirect(url_for("admin.index"), 303))
            return _no_store(_after_login(login_token, next_path))
        login_token = services.check_link(token)
    except LoginError as exc:
        status, title, detail = PROBLEMS.get(exc.code, PROBLEMS["invalid"])
        g.event = exc.event
        return _no_store(make_response(render_template(
            "auth/link_problem.html", title=_(title), detail=_(detail), problem=exc.code, link_event=exc.event,
            admin_link=exc.admin), status))
    attendee = login_token.attendee
    g.event = attendee.event if attendee is not None else None
    return _no_store(make_response(render_template(
        "auth/confirm.html", attendee=attendee, token=token, next_path=next_path, admin_hours=ADMIN_SESSION_HOURS)))


@bp.post("/logout")
def logout():
    """End this browser's session on the server and go back to the start page."""
    logout_user()
    flash(_("You are logged out."), "ok")
    return redirect_to(url_for("events.index"))
