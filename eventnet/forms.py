"""Pieces every feature's forms and lists share: invalid-form errors and page numbers."""
from __future__ import annotations

from typing import ClassVar

from .errors import DomainError


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
