"""The words the JavaScript shows, in the page's language, for the page to carry.

The scripts are static files, cached once for every language; their words come with the page:
the scanner's and its offline queue's as JSON (`<script type="application/json" id="i18n-js">`,
templates/scanner/scan.html), so the copy of the page the service worker keeps offline carries
them too; the console's one count as a data- attribute (`js_words("ticked")`). Placeholders are
`{name}` (filled in by the script); a sentence with a count is one pattern per CLDR plural
category of the language ("one", "few", "other"...), and the browser's Intl.PluralRules picks
one, so Arabic's six forms need no plural rule written in JavaScript.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup


def _plural(pattern: Callable[[int], str]) -> dict[str, str]:
    """{CLDR category: pattern} for the current language: `pattern(n)` for one n of each category,
    only "other" and the categories that say it differently (the script falls back to "other"),
    so the scanner's first load carries no sentence twice."""
    locale = get_locale() or Locale("en")
    forms: dict[str, str] = {}
    for n in range(0, 200):  # every CLDR category of every shipped language has an n below 200
        forms.setdefault(locale.plural_form(n), pattern(n))
    return {tag: text for tag, text in forms.items() if tag == "other" or text != forms["other"]}


def scanner_strings() -> dict:
    """Every sentence the scanner and its offline queue may show, keyed as scanner.js reads them."""
    return {
        "new": _("Cards exchanged"),
        "known": _("Already connected"),
        "pend": _("Saved, will sync"),
        "unsaved": _("Not saved"),
        "unsavedWhy": _("Not saved: %(reason)s", reason="{reason}"),
        "scanNo": _("the server refused this scan."),
        "saving": _("Saving…"),
        "notePend": _("Saved on this phone, will sync"),
        "saved": _("Saved"),
        "noteNo": _("refused by the server"),
        "next": _("Point the camera at the next badge."),
        "point": _("Point the camera at a badge's QR code."),
        "due": _("%(promise)s (due %(date)s)", promise="{promise}", date="{date}"),
        "deleted": _("A deleted attendee"),
        "badge": _("Scanned badge"),
        "wait": _plural(lambda n: ngettext("%(count)s waiting to sync", "%(count)s waiting to sync", n,
                                              count="{n}")),
        "waitOff": _plural(lambda n: ngettext("%(count)s waiting to sync (offline)",
                                                      "%(count)s waiting to sync (offline)", n, count="{n}")),
        "synced": _("All scans synced"),
        "others": _plural(lambda n: ngettext("%(count)s from another account wait for its login",
                                                     "%(count)s from another account wait for its login", n,
                                                     count="{n}")),
        "notBadge": _("Not a badge of this event"),
        "notBadgeWhy": _("That QR code is not a badge of this event, so it was ignored."),
        "scanned": _("Scanned"),
        "again": _("Already scanned."),
        "paused": _("Saved. Scanning paused while the card is open."),
        "pausedOff": _("Saved on this phone, will sync when online. Scanning paused while the card is open."),
        "reasons": {
            "denied": _("The camera is blocked for this site. Allow it in the browser's settings:"),
            "missing": _("This device has no camera the browser can use."),
            "busy": _("Another app is using the camera. Close it, then try again."),
            "insecure": _("This browser cannot open the camera on this page (it needs a secure https connection)."),
            "decoder": _("The QR decoder could not load (are you offline on your first visit?)."),
        },
        # queue.js: what a refused item says when the server gave no reason of its own.
        "refused": _("The server refused this item."),
    }


def as_json_block(strings: dict) -> Markup:
    """`strings` as the content of a <script type="application/json">: compact, letters as they are
    (an Arabic sentence as \\u escapes would be six times the bytes on the scanner's first load),
    and <, > and & escaped so that no text can close the element."""
    text = json.dumps(strings, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def ticked_forms() -> dict[str, str]:
    """organizer.js's count beside "The ticked attendees": "(3 ticked)"."""
    return _plural(lambda n: ngettext("(%(count)s ticked)", "(%(count)s ticked)", n, count="{n}"))


_WORDS = {"ticked": ticked_forms}


def js_words(name: str) -> str:
    """A template global: the JSON of one set of words, for a data- attribute (Jinja escapes it there)."""
    return json.dumps(_WORDS[name](), ensure_ascii=False, separators=(",", ":"))
