"""Error pages: a clear sentence and the right status, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions

from .extensions import db
from .htmx import wants_fragment

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not for you", "This page is not available to your account."),
    404: ("Not found", "We could not find that page. Check the address, or start from the home page."),
    405: ("Not allowed", "That action cannot be done this way."),
    413: ("Too large", "That upload is larger than we accept."),
    422: ("Please check your input", "Some of what you sent could not be used."),
    429: ("Slow down", "Too many attempts in a short time. Wait a minute and try again."),
    500: ("Something went wrong on our side", "The error was logged. Please try again in a moment."),
}


def render_error(status: int, title: str | None = None, detail: str | None = None):
    """The error page (or fragment for htmx) for a status, with an optional specific message."""
    default_title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    return (
        render_template(template, status=status, title=title or default_title, detail=detail or default_detail),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "This form has expired",
            "For your security, forms stop working after you log out or the page is very old. "
            "Reload the page and try again.",
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
