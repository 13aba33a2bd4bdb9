"""The command line in the organizer's language: the environment's, as every POSIX tool reads it.

`flask ...` speaks the first shipped language among LANGUAGE (a colon-separated list, "de:en"),
LC_ALL, LC_MESSAGES and LANG ("de_DE.UTF-8" -> "de"), else English. The output (click.echo, the
errors) is translated with gettext as a page is; the help of commands and options is written with
N_() where it is defined (a command's own is its docstring, extracted paragraph by paragraph by
eventnet.i18n.extract) and translated when shown (localize()). Click's own words ("Usage:",
"Error:") stay its own.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import click
from flask import g, has_app_context
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext, refresh

from .extract import help_paragraphs
from .languages import DEFAULT_LANGUAGE, LANGUAGES
from .selection import CLI_KEY

ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The first shipped language the environment names (module doc), else English."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        for item in (environ.get(name) or "").split(":"):
            # "de_DE.UTF-8@euro" -> "de"; "C", "POSIX" and unknown languages name nothing we ship.
            code = item.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def cli_language() -> str | None:
    """The command line's language while a command runs or its help is shown, else None."""
    code = g.get(CLI_KEY)
    if code is None and click.get_current_context(silent=True) is not None:
        code = environment_language()  # --help: shown before any command runs
    return code


def _in_language(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):
        # The app context may have served a request in another language (the tests keep one).
        setattr(g, CLI_KEY, environment_language())
        refresh()
        try:
            return callback(*args, **kwargs)
        finally:
            g.pop(CLI_KEY, None)
            refresh()

    return run


def translate_help(text: str) -> str:
    """A command's help (its docstring), translated paragraph by paragraph (eventnet.i18n.extract)."""
    return "\n\n".join(("\b\n" + gettext(msgid)) if verbatim else gettext(msgid)
                       for verbatim, msgid in help_paragraphs(text))


@contextmanager
def _app_context() -> Iterator[None]:
    """The app's context for a help text: `flask` pushes one before it finds the command; a
    command line invoked on app.cli itself (the test runner) has none yet, so one is pushed."""
    click_context = click.get_current_context(silent=True)
    if has_app_context() or click_context is None:
        yield
        return
    with click_context.ensure_object(ScriptInfo).load_app().app_context():
        yield


def _translate_help(command: click.Command) -> None:
    # Click wants plain strings (it measures and cleans them), so the English ones written with
    # N_() are swapped for their translation just before a help text is formatted.
    english = (command.help, command.short_help,
               [(param, param.help) for param in command.params if isinstance(param, click.Option)])

    def translate() -> None:
        help_text, short_help, options = english
        command.help = translate_help(help_text) if help_text else help_text
        command.short_help = gettext(short_help) if short_help else short_help
        for param, text in options:
            param.help = gettext(text) if text else text

    format_help, short_help_str = command.format_help, command.get_short_help_str

    def format_translated(ctx, formatter):
        with _app_context():
            translate()
            return format_help(ctx, formatter)

    def short_translated(limit: int = 45) -> str:
        with _app_context():
            translate()
            return short_help_str(limit)

    command.format_help, command.get_short_help_str = format_translated, short_translated


def localize(group: click.Group) -> None:
    """Every command under `group` runs in the environment's language, and its help (and its
    options') is translated when shown. Called once the app has all its commands; the command
    objects are the modules' own, so an app made again (the tests) finds them done."""
    for command in group.commands.values():
        if getattr(command, "localized", False):
            continue
        command.localized = True
        _translate_help(command)
        if isinstance(command, click.Group):
            localize(command)
        if command.callback is not None:
            # with_appcontext outside, so that the language is set inside the app context.
            command.callback = with_appcontext(_in_language(command.callback))
