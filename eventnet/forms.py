"""Pieces every feature's forms and lists share: invalid-form errors and page numbers."""
from __future__ import annotations


class FormInvalid(ValueError):
    """A form that cannot be saved; `errors` maps field names to messages for the person.

    Each feature subclasses it with its own stable `code`; views re-render the form with the
    errors next to their fields and answer 422.
    """

    code = "invalid_form"

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


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
