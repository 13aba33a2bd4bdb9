"""Which language and time zone a request is answered in, and which one an email is written in.

A page: the logged-in attendee's own choice, else the `lang` cookie of the language switcher
(anonymous visitors), else the browser's Accept-Language (best match among the shipped
languages), else the event's default language, else English. Babel's formatters use the
event's time zone when the request has an event (g.event), else UTC.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from babel.support import Translations
from flask import g, has_request_context, request
from flask_babel import force_locale, get_locale, get_translations, gettext

from ..auth.session import current_attendee
from .languages import DEFAULT_LANGUAGE, LANGUAGES, direction, shipped

CLI_KEY = "i18n_cli_language"  # eventnet.i18n.cli sets it while a command runs

COOKIE = "lang"
# Why the language was chosen, kept on g for the response headers: "attendee" (their choice),
# "browser" (the cookie or Accept-Language), "event" or "default" (the browser asked for
# nothing we ship). Only an attendee's choice makes the answer independent of the browser.
SOURCE_KEY = "i18n_source"


def browser_language() -> str | None:
    """The shipped language the browser asks for: the `lang` cookie, else Accept-Language's best match."""
    if not has_request_context():
        return None
    cookie = shipped(request.cookies.get(COOKIE))
    if cookie:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES))


def _event_language() -> tuple[str, str]:
    event = g.get("event")
    code = shipped(getattr(event, "default_language", None))
    return (code, "event") if code else (DEFAULT_LANGUAGE, "default")


def select_locale() -> str:
    """Flask-Babel's locale selector: the order in the module's docstring; a command's (`flask
    ...`) is the environment's (eventnet.i18n.cli)."""
    from .cli import cli_language

    if not has_request_context() or g.get(CLI_KEY):
        code = cli_language()
        if code is not None:
            setattr(g, SOURCE_KEY, "cli")
            return code
    me = current_attendee()  # None outside a request
    code, source = (shipped(me.language) if me is not None else None), "attendee"
    if code is None:
        code, source = browser_language(), "browser"
    if code is None:
        code, source = _event_language()
    setattr(g, SOURCE_KEY, source)
    return code


def select_timezone() -> str | None:
    """Flask-Babel's time zone selector: the event's zone, UTC (None) outside an event."""
    event = g.get("event")
    return event.timezone if event is not None else None


def recipient_language(attendee, event, *, own_request: bool = False) -> str:
    """The language of an email to `attendee` (None for an unknown address) of `event`.

    The attendee's own choice, else, when the email answers the recipient's own request (a login
    link asked for from their browser), that browser's language, else the language their browser
    asked for when they last logged in (the pages they saw were in it), else the event's default.
    Never the language of someone else's browser (an organizer's, the help desk's).
    """
    chosen = shipped(getattr(attendee, "language", None))
    if chosen:
        return chosen
    if own_request:
        asked = browser_language()
        if asked:
            return asked
    seen = shipped(getattr(attendee, "browser_language", None))
    if seen:
        return seen
    return shipped(getattr(event, "default_language", None)) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The selected language as an HTML/HTTP language tag: "de", "ar" (Babel's "pt_BR" -> "pt-BR")."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else DEFAULT_LANGUAGE


def current_direction() -> str:
    return direction(current_language())


# The translations of the email being written (in_recipient_language), looked up once for it.
_EMAIL_TRANSLATIONS: ContextVar[Translations | None] = ContextVar("eventnet_email_translations", default=None)


@contextmanager
def in_recipient_language(attendee, event, *, own_request: bool = False) -> Iterator[str]:
    """Render an email inside its recipient's language (recipient_language), whoever sends it.

    Yields the language code. Works outside any request too (the sender, `flask mail send`):
    Flask-Babel forces the locale on the app context. Dates in emails take the event's time
    zone from the event given to the formatters (eventnet.i18n.formats), not from the locale.
    """
    code = recipient_language(attendee, event, own_request=own_request)
    with force_locale(code):
        token = _EMAIL_TRANSLATIONS.set(get_translations())
        try:
            yield code
        finally:
            _EMAIL_TRANSLATIONS.reset(token)


def email_gettext(string: str, **variables) -> str:
    """flask_babel.gettext, with the translations of the email being written bound once.

    Flask-Babel looks the translations up again at every call (the app context, the forced
    locale, the domain's cache: some 40 times the cost of the lookup itself), and a digest asks
    for hundreds of words. Inside in_recipient_language the locale is fixed, so the same
    Translations answer; anywhere else this is flask_babel.gettext. Same result either way:
    the translated string, %-formatted with `variables` when there are any.
    """
    translations = _EMAIL_TRANSLATIONS.get()
    if translations is None:
        return gettext(string, **variables)
    text = translations.ugettext(string)
    return text % variables if variables else text
