"""Flask-Babel bound to the app: the selectors, the response headers, the template helpers."""
from __future__ import annotations

import os

from flask import Flask, Response, g
from flask_babel import refresh

from ..extensions import babel
from .formats import (event_date, event_datetime, event_day_time, event_time, event_timestamp,
                      list_of, number, percent)
from .js import js_words
from .languages import LANGUAGES
from .selection import SOURCE_KEY, current_direction, current_language, select_locale, select_timezone


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
