#!/usr/bin/env python3
"""A pseudo-locale, for finding text left untranslated and layouts that break when text grows.

    python scripts/pseudo_locale.py DIR     # DIR/en/LC_MESSAGES/messages.mo, from translations/messages.pot

Every msgstr is its msgid with each ASCII letter swapped for an accented look-alike
("Save note" -> "⟦Šáṽé ñöţé ~~~~⟧"), about 40% longer (German and French run 30-40% longer than
English), between ⟦ ⟧ so that a sentence glued from two messages shows its seams. Placeholders
(%(name)s, %d, {name}), HTML tags and entities stay as they are, so the page still works.

It is built at test time into a temporary directory and served as English ("en") by putting that
directory first in BABEL_TRANSLATION_DIRECTORIES (tests/test_i18n_pseudo_browser.py): English has
no catalog of its own, so the pseudo one replaces the source text, and the app needs no hook. A
page in it that still shows a plain ASCII letter shows text that bypassed the catalog. Never
shipped: nothing under translations/ is written.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
OPEN, CLOSE, PAD = "⟦", "⟧", "~"

# One look-alike for every ASCII letter: a page with no [A-Za-z] left is wholly from the catalog.
ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÁƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# What must reach the page unchanged: placeholders, tags, entities.
KEPT = re.compile(r"%\([^)]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[sdifr%]|\{[^{}]*\}|<[^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def pseudo(text: str) -> str:
    """The pseudo-translation of one message (empty stays empty)."""
    if not text:
        return text
    parts, shown = [], 0
    position = 0
    for match in KEPT.finditer(text):
        plain = text[position:match.start()]
        parts += [plain.translate(ACCENTED), match.group()]
        shown += len(plain)
        position = match.end()
    plain = text[position:]
    parts.append(plain.translate(ACCENTED))
    shown += len(plain)
    padding = PAD * max(2, math.ceil(shown * 0.4))
    return f"{OPEN}{''.join(parts)} {padding}{CLOSE}"


def build(directory: Path | str, pot: Path | str = POT, locale: str = "en") -> Path:
    """Write DIRECTORY/<locale>/LC_MESSAGES/messages.mo, the pseudo-translation of every message of
    the .pot; returns the .mo's path."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(pot, "rb") as f:
        catalog = read_po(f, locale=locale)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            forms = [pseudo(message.id[0]), pseudo(message.id[1])]
            message.string = tuple(forms[min(n, 1)] for n in range(catalog.num_plurals))
        else:
            message.string = pseudo(message.id)
    target = Path(directory) / locale / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        write_mo(f, catalog)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(build(sys.argv[1]))
