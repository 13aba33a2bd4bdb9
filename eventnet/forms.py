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

    def __init__(self, errors: dict[str, str], choices: dict[str, list[tuple[str, str]]] | None = None):
        super().__init__(self.form_code, "; ".join(errors.values()))
        self.errors = errors
        # field -> (value, label) pairs the person must choose from to fix it (e.g. which of two
        # equal local times: events.times.TimeAmbiguous)
        self.choices = choices or {}

    def resubmitted(self, form, names) -> dict:
        """The form's values as sent, to show it again, with any choices to make (`NAME_fold_choices`)."""
        values = {name: str(form.get(name, ""))[:300] for name in names}
        for name, options in self.choices.items():
            values[f"{name}_fold_choices"] = options
        return values

    def as_json(self) -> dict:
        body = super().as_json()
        body["error"]["fields"] = dict(self.errors)
        return body


def fold_of(form, name: str) -> str | None:
    """Which of two equal local times the person chose for field `name` ("0", "1"), if any."""
    value = str(form.get(f"{name}_fold", ""))
    return value if value in ("0", "1") else None


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
