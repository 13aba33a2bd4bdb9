"""Input no page can use, refused before anything reads it: each answer is a 4xx, never a 500.

- ids in URLs past what the database's INTEGER holds (PostgreSQL: 2**31 - 1) are not ids at all:
  the route does not match, 404;
- JSON nested deeper than Python's parser recurses is refused as not JSON (400), not a crash;
- a NUL character, which PostgreSQL refuses in any text and no form or API here accepts, in the
  path, the query, a form field or a JSON string: 400 before any query runs.
"""
from __future__ import annotations

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .errors import DomainError

LARGEST_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's 2**63 - 1 is larger, so this holds on both
NUL = "\x00"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number from 0 to LARGEST_ID, else the URL matches nothing."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=LARGEST_ID if max is None else max,
                         signed=signed)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested too deeply to parse answered as "not JSON"."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # request.get_json() treats a ValueError as a body that is not JSON (400, or None
            # with silent=True, which the APIs answer "the body must be a JSON object").
            raise ValueError("JSON nested too deeply") from None


class InputRefused(DomainError):
    """A request carrying what no page here can hold."""

    MESSAGES = {
        "nul_character": (400, _l("Something you sent contains a NUL character, which no text here can hold. "
                                  "Remove it and try again.")),
    }


def _holds_nul(value: object) -> bool:
    """Whether a JSON value holds a NUL in any string, key or value, walked without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def refuse_nul() -> None:
    """before_request: InputRefused("nul_character") when the path, query, form or JSON has a NUL."""
    if NUL in request.path or any(NUL in key or NUL in value for key, value in request.args.items(multi=True)):
        raise InputRefused("nul_character")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        if _holds_nul(request.get_json(silent=True)):
            raise InputRefused("nul_character")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(NUL in key or NUL in value for key, value in request.form.items(multi=True)):
            raise InputRefused("nul_character")


def init_app(app: Flask) -> None:
    """Install the JSON guard and the NUL check (the id converter is set in create_app, before routes)."""
    app.json = GuardedJSONProvider(app)
    app.before_request(refuse_nul)
