"""Does a note read like a promise? A table of phrases per language, and the sentence to suggest.

A language added later brings its own entry in PHRASES; nothing else here knows English.
Plain functions of plain strings (no database), so a table of notes tests them directly.

A note is read with the table of its author's language, then with English's (at an
international event a German speaker's notes are often in English); a language without a table
of its own is read with English's alone. Phrases are whole words or word groups, chosen for what
a person jots down after a conversation (first person, future, imperative to oneself), and
matched after folding Arabic's optional marks (short vowels, shadda, tatweel, the hamza forms
of alef), so "سأعرّفه" and "ساعرفه" read the same.
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
    # A note to oneself: "Schicke ihm...", "Werde sie vorstellen", "Ich melde mich". Not "Teile"
    # (parts) nor a bare "senden" noun use: the verbs as a person writes them about themself.
    "de": ("schicke", "schicken", "schick", "zuschicken", "sende", "ich werde", "werde ich", "werde",
           "vorstellen", "bekannt machen", "ich teile", "teile ich", "weiterleiten", "leite", "melde mich",
           "nachfassen", "follow-up", "versprochen", "verspreche", "versprechen"),
    # Not a bare "présenter" (to give a talk): presenting someone to someone.
    "fr": ("envoyer", "envoie", "j'envoie", "je vais", "lui présenter", "le présenter", "la présenter",
           "les présenter", "je présente", "mettre en relation", "partager", "je partage", "relancer", "relance",
           "transmettre", "je transmets", "promis", "promesse", "je promets"),
    # Not a bare "presentar" (to give a talk) either.
    "es": ("enviar", "enviarle", "envío", "mandar", "mandarle", "le mando", "voy a", "presentarle", "presentarla",
           "presentarlo", "le presento", "compartir", "le paso", "pasarle", "dar seguimiento", "hacer seguimiento",
           "prometí", "promesa"),
    # The first person future (سـ + the verb, or سوف), "I promised", a follow-up. Not a bare "وعد"
    # (also a first name) nor a bare "سوف" (anyone's future).
    "ar": ("سأرسل", "أرسل", "سوف أرسل", "سأبعث", "سأعرفه", "سأعرفها", "سأعرفك", "سأقدمه", "سأقدمها", "سأشارك",
           "سوف أشارك", "سأتابع", "سوف أتابع", "متابعة", "وعدته", "وعدتها", "وعدت", "وعدي"),
}
# A sentence ends at . ! ? or a line break; "e.g." style abbreviations are rare in a note.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


# Arabic's optional marks (harakat, shadda, sukun, superscript alef) and tatweel, and the alef
# forms a writer may or may not put a hamza or madda on.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ALEFS = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627"})


def _folded(text: str) -> str:
    return _MARKS.sub("", text).translate(_ALEFS)


@lru_cache(maxsize=None)
def _pattern(language: str) -> re.Pattern:
    phrases = PHRASES.get(language, ()) + (PHRASES["en"] if language != "en" else ())
    alternatives = "|".join(re.escape(_folded(phrase)).replace("'", "['’]").replace(r"\ ", r"\s+")
                            for phrase in sorted(set(phrases), key=len, reverse=True))
    # Arabic joins "and" (و) and "so" (ف) to the next word: "وسأرسل" is "and I will send".
    return re.compile(rf"(?<!\w)(?:[وف](?=\w{{3}}))?(?:{alternatives})(?!\w)", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """The sentences of a note, trimmed, in order."""
    return [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]


def looks_like_promise(text: str | None, language: str = "en") -> str | None:
    """The first sentence of `text` that reads like a promise, without its final full stop and
    at most PROMISE_MAX characters; None when none does."""
    pattern = _pattern(language)
    for sentence in sentences(text or ""):
        if pattern.search(_folded(sentence)):
            sentence = " ".join(sentence.split()).rstrip(".").strip()
            return sentence[:PROMISE_MAX] if sentence else None
    return None
