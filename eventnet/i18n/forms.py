"""The language choice: an attendee's setting, the anonymous visitor's switcher, and its rule.

Plain string fields checked against the table (the templates list the options from
eventnet.i18n.LANGUAGES), so the organizer's event form shares the same rule.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, StopValidation

from ..forms import PostedForm, squashed
from .languages import LANGUAGES


def shipped_language(form, field) -> None:
    """A language code we ship, or nothing (a field that may be left out says so with InputRequired)."""
    if field.data and field.data not in LANGUAGES:
        raise StopValidation(_l("Choose one of the languages in the list."))


class LanguageForm(PostedForm):
    """The switcher on the login page: one of the shipped languages (remembered in a cookie)."""

    language = StringField(_l("Language"), filters=[squashed],
                           validators=[InputRequired(_l("Choose one of the languages in the list.")), shipped_language])


class AttendeeLanguageForm(PostedForm):
    """The attendee's setting: a shipped language, or "" for automatic (the browser's, else the event's)."""

    language = StringField(_l("Language"), filters=[squashed], validators=[shipped_language])

    def chosen(self) -> str | None:
        return self.language.data or None
