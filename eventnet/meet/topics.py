"""Comparing topics ("I can help with", "I'm looking for") as people write them.

Plain functions of strings: the suggestions on the home page and the digest's "people to meet"
compare topics the same way.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from babel.lists import format_list
from flask_babel import get_locale

_NOT_TOPIC = re.compile(r"[^\w+#./ -]+")


def normalise_topic(topic: str) -> str:
    """'  Machine-Learning!! ' -> 'machine-learning': case, punctuation and spacing ignored."""
    return " ".join(_NOT_TOPIC.sub(" ", str(topic).lower()).split()).strip(" .")


def topic_overlap(theirs: Iterable[str], mine: Iterable[str]) -> list[str]:
    """Their topics (as they wrote them) that match one of mine: equal, or one phrase inside the other."""
    mine_norm = [normalise_topic(t) for t in mine]
    mine_norm = [t for t in mine_norm if t]
    out: list[str] = []
    for topic in theirs:
        norm = normalise_topic(topic)
        if not norm:
            continue
        for other in mine_norm:
            if norm == other or _contains_words(norm, other) or _contains_words(other, norm):
                if topic not in out:
                    out.append(topic)
                break
    return out


def _contains_words(longer: str, shorter: str) -> bool:
    # "python packaging" contains "python"; "pythonic" does not contain "python".
    return f" {shorter} " in f" {longer} "


def spoken_list(items: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'; in another language
    than English, joined its own way ('a, b und c', Babel's CLDR lists)."""
    locale = get_locale()
    if locale is not None and locale.language != "en" and items:
        return format_list(list(items), locale=locale)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
