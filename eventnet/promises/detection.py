"""Does a note read like a promise? A table of phrases per language, and the sentence to suggest.

A language added later brings its own entry in PHRASES; nothing else here knows English.
Plain functions of plain strings (no database), so a table of notes tests them directly.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .models import PROMISE_MAX

# Words or phrases that, at a word boundary, make a sentence read like something I said I'd do.
# Lower case; an apostrophe matches both ' and ’.
PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("send", "i'll", "i will", "intro", "introduce", "share", "follow up", "follow-up", "i promised",
           "promise"),
}
# A sentence ends at . ! ? or a line break; "e.g." style abbreviations are rare in a note.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@lru_cache(maxsize=None)
def _pattern(language: str) -> re.Pattern:
    phrases = PHRASES.get(language) or PHRASES["en"]
    alternatives = "|".join(re.escape(phrase).replace("'", "['’]").replace(r"\ ", r"\s+") for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """The sentences of a note, trimmed, in order."""
    return [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]


def looks_like_promise(text: str | None, language: str = "en") -> str | None:
    """The first sentence of `text` that reads like a promise, without its final full stop and
    at most PROMISE_MAX characters; None when none does."""
    pattern = _pattern(language)
    for sentence in sentences(text or ""):
        if pattern.search(sentence):
            sentence = " ".join(sentence.split()).rstrip(".").strip()
            return sentence[:PROMISE_MAX] if sentence else None
    return None
