"""Pieces every feature's forms and lists share: invalid-form errors and page numbers."""
from __future__ import annotations

import re
from typing import ClassVar

from flask import request
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms.validators import StopValidation

from .errors import DomainError

REDISPLAY_MAX = 300  # a hostile megabyte typed into a field is not echoed back whole
EMAIL_MAX = 254  # the longest address SMTP carries (RFC 5321)


class FormInvalid(DomainError):
    """A form that cannot be saved (422); `errors` maps field names to messages for the person.

    Each feature subclasses it with its own stable `form_code`; views re-render the form with
    the errors next to their fields. Where a view does not (a JSON API), the one handler answers
    the joined messages.
    """

    form_code: ClassVar[str] = "invalid_form"
    default_status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__(self.form_code, "; ".join(errors.values()))
        self.errors = errors

    def as_json(self) -> dict:
        body = super().as_json()
        body["error"]["fields"] = dict(self.errors)
        return body


class PostedForm(FlaskForm):
    """A Flask-WTF form that reads only the posted form fields, as the hand-parsed forms did.

    FlaskForm on its own reads a JSON body as the form's data, and a JSON list, string or number
    there is a 500 (ImmutableMultiDict of it); a JSON post gets the empty form and its messages.
    Every form of the app derives from it (tests/test_hostile_input.py posts JSON to each).
    CSRF is checked app-wide (CSRFProtect); the form's own check accepts the token it checked.
    """

    def __init__(self, *args, **kwargs):
        if not args and "formdata" not in kwargs:
            posted = request.method in ("POST", "PUT", "PATCH", "DELETE")
            # Files and fields together, as Flask-WTF combines them, but never the JSON body.
            kwargs["formdata"] = (CombinedMultiDict((request.files, request.form)) if request.files else request.form) \
                if posted else None
        super().__init__(*args, **kwargs)


class MaxChars:
    """At most `limit` characters (after the field's filters); stops the field's other checks.
    `message`, when given, is said instead of "At most N characters (M now)."
    """

    def __init__(self, limit: int, message: str | None = None):
        self.limit, self.message = limit, message

    def __call__(self, form, field):
        if len(field.data or "") > self.limit:
            raise StopValidation(self.message or ngettext(
                "At most %(num)d character (%(count)d now).", "At most %(num)d characters (%(count)d now).",
                self.limit, count=len(field.data)))


def squashed(value) -> str:
    """A filter: runs of whitespace as one space, none at the ends ("" for a missing field)."""
    return " ".join(str(value if value is not None else "").split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(value) -> str:
    """A filter: control characters (a pasted tab, a NUL) as spaces, then whitespace squashed."""
    return squashed(_CONTROL.sub(" ", str(value if value is not None else "")))


def stripped(value) -> str:
    """A filter: no whitespace at the ends ("" for a missing field)."""
    return str(value if value is not None else "").strip()


def values_of(form) -> dict:
    """A form's values for the `field` macro: as typed (after its filters), with any fold choices."""
    values: dict = {}
    for field in form:
        if field.name == "csrf_token":
            continue
        values[field.name] = str(field.data if field.data is not None else "")[:REDISPLAY_MAX]
        if getattr(field, "fold_choices", None):
            values[f"{field.name}_fold_choices"] = field.fold_choices
    return values


def errors_of(form) -> dict[str, str]:
    """A validated form's first message per field, in the form's order, for the macros."""
    errors = {field.name: str(field.errors[0]) for field in form if field.errors and field.name != "csrf_token"}
    if form.form_errors:
        errors["form"] = str(form.form_errors[0])
    return errors


def parse_page(value: str | None) -> int:
    """A page number from the query string; anything but a positive number is page 1 (never a 500)."""
    try:
        page = int(value or "1")
    except ValueError:
        return 1
    return max(min(page, 10**9), 1)


class Paged:
    """Navigation for a page of results; the dataclass using it has `page` and `pages`."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
