"""The languages eventnet ships: their codes, native names and writing direction."""
from __future__ import annotations

from typing import NamedTuple


class Language(NamedTuple):
    native: str  # the name a speaker looks for in a list: "Deutsch", not "German"
    direction: str  # "ltr" or "rtl", for <html dir>


# Every code here has a catalog under translations/<code>/ (English is the source text itself).
# No pseudo-locale here: scripts/pseudo_locale.py builds one at test time only (never shipped), see README "Languages".
LANGUAGES: dict[str, Language] = {
    "en": Language("English", "ltr"),
    "de": Language("Deutsch", "ltr"),
    "fr": Language("Français", "ltr"),
    "es": Language("Español", "ltr"),
    "ar": Language("العربية", "rtl"),
}
DEFAULT_LANGUAGE = "en"
RTL = frozenset(code for code, language in LANGUAGES.items() if language.direction == "rtl")


def shipped(code: str | None) -> str | None:
    """`code` when it is a shipped language ("de"), else None (so a stale or forged value is ignored)."""
    return code if code in LANGUAGES else None


def direction(code: str) -> str:
    """"rtl" for a right-to-left language ("ar"), else "ltr"."""
    return "rtl" if code.split("_")[0].split("-")[0] in RTL else "ltr"


def choices() -> list[tuple[str, str]]:
    """(code, native name) pairs for a select, in the table's order."""
    return [(code, language.native) for code, language in LANGUAGES.items()]
