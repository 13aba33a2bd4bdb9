"""Errors: one type for every expected failure, one handler for it, and error pages that never fail.

Bad input is a 4xx with a clear sentence, never a 500: services raise a DomainError (or a
feature's subclass) with a stable code; the handler here answers it as JSON for the phone's
APIs, as an htmx fragment, or as a page. Views catch one only to answer in place (a form shown
again with its message next to the field).
"""
from __future__ import annotations

import re
from typing import ClassVar

from flask import Flask, current_app, g, has_request_context, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, default_exceptions

from .extensions import db
from .htmx import wants_fragment

# Lazy: each page is told in its reader's language (render_error makes them text then).
MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (_l("Not for you"), _l("This page is not available to your account.")),
    404: (_l("Not found"), _l("We could not find that page. Check the address, or start from the home page.")),
    405: (_l("Not allowed"), _l("That action cannot be done this way.")),
    409: (_l("That cannot be done now"), _l("Something changed in the meantime. Reload the page and try again.")),
    410: (_l("No longer here"), _l("What this address pointed to has gone.")),
    413: (_l("Too large"), _l("That upload is larger than we accept.")),
    422: (_l("Please check your input"), _l("Some of what you sent could not be used.")),
    429: (_l("Slow down"), _l("Too many attempts in a short time. Wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("The error was logged. Please try again in a moment.")),
}


class DomainError(Exception):
    """An expected failure: a stable `code`, an HTTP `status`, a `message` for the person.

    Like pretix's check-in errors. A feature subclasses it with a table of its codes,
    MESSAGES = {code: (status, message)} or {code: (status, title, message)}; a code outside the
    table takes `default_status` and needs a message. Tests assert on `code`.
    """

    MESSAGES: ClassVar[dict[str, tuple]] = {}
    default_status: ClassVar[int] = 400

    def __init__(self, code: str, message: str | None = None, status: int | None = None, *,
                 title: str | None = None) -> None:
        entry = self.MESSAGES.get(code, ())
        table_status, table_title, table_message = (entry if len(entry) == 3 else
                                                    (entry[0], None, entry[1]) if entry else (None, None, None))
        self.code = code
        self.status = status or table_status or self.default_status
        # A feature's table holds lazy strings (_l): made text here, in the language of the request
        # that failed, so the message is a plain str wherever it goes (JSON, a page, a log).
        title = title or table_title
        self.title = str(title) if title else None
        self.message = str(message or table_message or code.replace("_", " ").capitalize() + ".")
        super().__init__(self.message)

    def as_json(self) -> dict:
        """The body the JSON APIs answer: {"error": {"code", "message"}}."""
        return {"error": {"code": self.code, "message": self.message}}


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def wants_json() -> bool:
    """Whether this request is the phone's (or a script's) JSON call rather than a page or htmx.

    JSON when it sends JSON or prefers it; a request to an /api/ URL is JSON too unless it is a
    plain form post (the scanner's no-JavaScript fallback posts forms there and wants a page).
    """
    if request.headers.get("HX-Request") == "true":
        return False
    if request.is_json or request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return True
    return "/api/" in request.path and request.mimetype not in FORM_TYPES


def json_error(status: int, code: str, message: str):
    """A JSON error answer in the APIs' shape."""
    return make_response(jsonify(error={"code": code, "message": message}), status)


def render_error(status: int, title: str | None = None, detail: str | None = None):
    """The error page (or fragment for htmx) for a status, with an optional specific message.

    Never fails itself: when the request is too broken for our templates (a Host header that
    cannot be routed leaves no URL adapter to build the page's links), a bare page says it.
    """
    default_title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    title, detail = str(title or default_title), str(detail or default_detail)  # lazy ones become text
    try:
        template = "errors/_error.html" if wants_fragment() else "errors/error.html"
        # Not for server errors: the database may be what failed (a 503 during an outage).
        if template == "errors/error.html" and status < 500:
            _event_of_address()
        return render_template(template, status=status, title=title, detail=detail), status
    except Exception:  # noqa: BLE001  (an error page must answer whatever broke)
        if has_request_context() and getattr(request, "url_rule", None) is not None:
            current_app.logger.exception("the error page failed")
        return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{escape(title)}</title>'
                f"<h1>{escape(title)}</h1><p>{escape(detail)}</p></html>"), status


# An event's address: /e/<slug>/... with a slug as events.services allows it.
EVENT_PATH = re.compile(r"/e/([a-z0-9][a-z0-9-]{0,63})/")


def _event_of_address() -> None:
    """Set g.event for an error page under an event's address that no view reached (a mistyped
    /e/<slug>/... URL), so that the page keeps the event's header and, for its logged-in
    attendee, the tab bar: a way back instead of a dead end."""
    if g.get("event") is not None:
        return
    match = EVENT_PATH.match(request.path)
    if match is None:
        return
    from .events.models import Event  # here: the events package imports this module

    g.event = db.session.execute(db.select(Event).filter_by(slug=match.group(1))).scalar_one_or_none()


def answer(error: DomainError):
    """The one answer to a DomainError: JSON for the APIs, else the error page or fragment."""
    if wants_json():
        return make_response(jsonify(error.as_json()), error.status)
    return render_error(error.status, error.title, error.message)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, answer)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _("This form has expired"),
            _("For your security, forms stop working after you log out or the page is very old. Reload the page "
              "and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        detail = error.description if getattr(error, "eventnet_message", False) else None
        return render_error(error.code or 500, None, detail)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_error(500)

    from . import database_errors

    database_errors.init_app(app)  # 503 and Retry-After for a database that cannot answer now


def fail(status: int, message: str):
    """Abort with a status and a message meant for the person who sees the error page."""
    error = default_exceptions[status](description=message)
    error.eventnet_message = True
    raise error
