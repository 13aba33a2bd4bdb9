"""Flask-Babel bound to the app: the selectors, the response headers, the template helpers."""
from __future__ import annotations

import os
from functools import lru_cache

from flask import Flask, Response, g
from flask_babel import refresh

from ..extensions import babel
from .formats import (event_date, event_datetime, event_day_time, event_time, event_timestamp,
                      list_of, number, percent)
from .js import js_words
from .languages import LANGUAGES
from .selection import SOURCE_KEY, current_direction, current_language, select_locale, select_timezone


def bound_gettext(env) -> dict:
    """The template gettext callables bound to the translations of the current locale, looked up once.

    Flask-Babel's own callables (env.globals) look the translations up again at every call:
    through the app context, the forced locale and the domain, about as long as the rest of a
    `_()` in a template. A render happens inside one locale (a page: the request's, which
    Flask-Babel keeps for the request; an email: in_recipient_language), so the same
    translations serve the whole render; passed in the render's context, these take the
    place of the globals for `_()`, `ngettext()` and `{% trans %}` alike (Jinja resolves them
    from the context first), wrapped the way Jinja's i18n extension wraps Flask-Babel's, so
    that escaping and %-formatting stay exactly the same. Macros imported without context
    still use the globals: slower, the same words.
    """
    from flask_babel import get_translations

    return _callables(get_translations(), bool(getattr(env, "newstyle_gettext", False)))


# Keyed on the Translations object itself: Flask-Babel keeps one per language (and domain) for
# the life of the process, so the wrapped callables are made once per language, not per render.
@lru_cache(maxsize=64)
def _callables(translations, newstyle: bool) -> dict:
    from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_npgettext, _make_new_pgettext

    callables = {"gettext": translations.ugettext, "ngettext": translations.ungettext,
                 "pgettext": translations.upgettext, "npgettext": translations.unpgettext}
    if newstyle:
        wrap = {"gettext": _make_new_gettext, "ngettext": _make_new_ngettext,
                "pgettext": _make_new_pgettext, "npgettext": _make_new_npgettext}
        callables = {name: wrap[name](func) for name, func in callables.items()}
    return callables


def init_app(app: Flask) -> None:
    # The catalogs live beside the templates, at the top of the repository.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          os.path.join(os.path.dirname(app.root_path), "translations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # {% trans %} blocks are trimmed like the extractor trims them (babel.cfg), so a line break
    # in a template never changes a message id.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(current_language=current_language, current_direction=current_direction,
                                 languages=LANGUAGES, js_words=js_words)
    app.jinja_env.filters.update(event_date=event_date, event_datetime=event_datetime, list_of=list_of,
                                 event_time=event_time, event_day_time=event_day_time, event_timestamp=event_timestamp,
                                 number=number, percent=percent)

    def fresh_locale() -> None:
        # Flask-Babel caches the locale on g, and an app context (and its g) can outlive one
        # request (tests keep one pushed): each request selects its own. First of all hooks, so
        # that an early refusal (CSRF, rate limit) is not answered in the last request's language.
        refresh()
        g.pop(SOURCE_KEY, None)

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_locale)

    @app.after_request
    def language_headers(response: Response) -> Response:
        source = g.get(SOURCE_KEY)
        if source is None:  # nothing was translated or formatted: no language to announce
            return response
        response.headers.setdefault("Content-Language", current_language())
        if source != "attendee":  # the cookie or Accept-Language chose, or could have
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
