"""The import's words: English sentences that remember how they were made, said in the reader's language.

An import's notes and row problems outlive the request that made them (the report is stored with
the upload and read later, perhaps by another organizer in another language), and the command
line prints them in English. So a `Said` *is* its English sentence (compared, joined, printed
and logged as before) and also keeps its message id and values: `shown(x)` says it in the
current language when a page shows it, and `as_json()` / `from_json()` keep both in the stored
report. Values may be Saids themselves (a column's description inside a note) or lists of them.

`say("...", **values)` and `say_n("...", "...", num, **values)` are extraction keywords
(scripts/i18n.py extract), like `_()` and `ngettext()`.
"""
from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, ngettext

LIST_SEPARATOR = ", "


class Said(str):
    """An English sentence with its message id, plural form and values (see the module docstring)."""

    msgid: str
    plural: str | None
    values: dict[str, Any]

    def __new__(cls, msgid: str, plural: str | None = None, values: dict[str, Any] | None = None) -> Said:
        values = dict(values or {})
        template = plural if plural is not None and values.get("num") != 1 else msgid
        english = template % {k: _english(v) for k, v in values.items()} if values else template
        made = super().__new__(cls, english)
        made.msgid, made.plural, made.values = msgid, plural, values
        return made

    def __reduce__(self):  # copy and pickle keep what the sentence was made of
        return (Said, (self.msgid, self.plural, self.values))

    def shown(self) -> str:
        """The sentence in the current language (English outside a request and for English readers)."""
        values = {k: shown(v) for k, v in self.values.items()}
        if self.plural is not None:
            return ngettext(self.msgid, self.plural, values.pop("num"), **values)
        return gettext(self.msgid, **values) if values else gettext(self.msgid)

    def as_json(self) -> dict:
        """For the stored report: the English text and what translates it."""
        data: dict[str, Any] = {"text": str(self), "msgid": self.msgid}
        if self.plural is not None:
            data["plural"] = self.plural
        if self.values:
            data["values"] = {k: _as_json(v) for k, v in self.values.items()}
        return data

    @classmethod
    def from_json(cls, data: Any) -> Any:
        """A stored sentence again (a plain string stays one: reports stored before this were English)."""
        if isinstance(data, dict) and isinstance(data.get("msgid"), str):
            values = {k: _from_json(v) for k, v in (data.get("values") or {}).items()}
            try:
                return cls(data["msgid"], data.get("plural"), values)
            except (KeyError, TypeError, ValueError):  # a stored sentence we no longer make
                return str(data.get("text", ""))
        return data


def say(msgid: str, **values: Any) -> Said:
    """A sentence; `%(name)s` placeholders take `values` (Saids are translated with it)."""
    return Said(msgid, None, values)


def say_n(singular: str, plural: str, num: int, **values: Any) -> Said:
    """A sentence with a number in it: `%(num)d` is `num`, and the language's plural rule picks the form."""
    return Said(singular, plural, {**values, "num": num})


def shown(value: Any) -> Any:
    """A Said (or a list of them, or a stored one) in the current language; anything else as it is."""
    if isinstance(value, dict):
        value = Said.from_json(value)
    if isinstance(value, Said):
        return value.shown()
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(shown(v)) for v in value)
    return value


def _english(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value) if isinstance(value, Said) else value


def _as_json(value: Any) -> Any:
    if isinstance(value, Said):
        return value.as_json()
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return Said.from_json(value)


def stored(value: Any) -> Any:
    """A note or reason as the report stores it: a Said as JSON, a plain string as it is."""
    return value.as_json() if isinstance(value, Said) else value


def number(value: float, pattern: str | None = None) -> str:
    """A number as the current language writes it ("50,000", "50.000"); English outside an app."""
    try:
        locale = get_locale()
    except RuntimeError:
        locale = None
    return format_decimal(value, pattern, locale=locale or "en")
