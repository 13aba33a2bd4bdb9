"""The personalised follow-up suggestion: what to do about one contact, from my note and what we share.

Everything here is plain functions of plain values (no database), so it is fast for a digest of
thirty contacts and easy to test. My note is parsed for the lines the note form prompts for
("Works on:", "Needs:", "I can offer:", "I promised:"); topics are compared after normalising.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

PROMPTS = {
    "promises": ("i promised:", "promised:", "promise:"),
    "needs": ("needs:", "they need:"),
    "works_on": ("works on:", "working on:"),
    "offers": ("i can offer:", "i offer:"),
}
ITEM_MAX = 200  # one promise or need as quoted in an email
DRAFT_MAX = 600
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s*")
_NOT_TOPIC = re.compile(r"[^\w+#./ -]+")


@dataclass
class NoteParts:
    """The prompted lines of a note, each list in the order written; `other` is everything else."""

    promises: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    works_on: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def one_line(text: str, limit: int = ITEM_MAX) -> str:
    """Text on one line (no CR/LF/tab), shortened with an ellipsis past `limit` characters."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def parse_note(note: str | None) -> NoteParts:
    """Split a note into its prompted lines ("I promised: …" and the others) and free text."""
    parts = NoteParts()
    for raw in (note or "").splitlines():
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        lowered = line.lower()
        for name, prefixes in PROMPTS.items():
            prefix = next((p for p in prefixes if lowered.startswith(p)), None)
            if prefix is not None:
                value = one_line(line[len(prefix):])
                if value:
                    getattr(parts, name).append(value)
                break
        else:
            parts.other.append(one_line(line, 300))
    return parts


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


def first_name(name: str) -> str:
    words = one_line(name, 80).split()
    return words[0] if words else ""


@dataclass
class Suggestion:
    """What to do about one contact, and a drafted first line for writing to them."""

    text: str
    promises: list[str]
    they_need: list[str]  # their "looking for" topics I can help with
    they_offer: list[str]  # their "can help with" topics I am looking for
    subject: str
    first_line: str


INTENT_ADVICE = {
    "send": "Send them what you talked about",
    "introduce": "Make the introduction you planned",
    "coffee": "Suggest a coffee: offer two times that suit you",
    "job": "Follow up on the job lead while it is fresh",
    "mentor": "Propose a first mentoring conversation",
}


def suggest(
    *,
    note: str | None,
    intent: str,
    card: Mapping,
    my_help: Iterable[str],
    my_needs: Iterable[str],
    event_name: str,
    done: bool = False,
    parts: NoteParts | None = None,
) -> Suggestion:
    """The follow-up suggestion for one contact (card = their public card, my_* = my own topics)."""
    parts = parts or parse_note(note)
    they_need = topic_overlap(card.get("looking_for") or (), my_help)
    they_offer = topic_overlap(card.get("can_help_with") or (), my_needs)
    sentences: list[str] = []
    if done:
        sentences.append("You marked this follow-up done.")
    elif parts.promises:
        quoted = "; ".join(f"“{p}”" for p in parts.promises[:3])
        sentences.append(f"Keep your promise: {quoted}.")
    if not done and intent in INTENT_ADVICE:
        advice = INTENT_ADVICE[intent]
        if intent == "introduce" and parts.needs:
            advice += f" (they need: {parts.needs[0]})"
        sentences.append(advice + ".")
    if they_need:
        sentences.append(f"They are looking for {', '.join(they_need[:3])}, which you can help with.")
    if they_offer:
        sentences.append(f"They can help with {', '.join(they_offer[:3])}, which you are looking for: ask them.")
    if not sentences and parts.needs:
        sentences.append(f"They need {parts.needs[0]}: a pointer from you would be remembered.")
    if not sentences:
        sentences.append(
            "Say thanks and mention what you talked about." if (note or "").strip()
            else "Say it was good to meet while they still remember you, and what you would like to talk about next."
        )
    return Suggestion(
        text=" ".join(sentences[:3]),
        promises=parts.promises,
        they_need=they_need,
        they_offer=they_offer,
        subject=one_line(f"Great to meet you at {event_name}", 150),
        first_line=draft_first_line(card.get("name", ""), event_name, parts, intent, they_need, they_offer),
    )


def draft_first_line(name: str, event_name: str, parts: NoteParts, intent: str,
                     they_need: list[str], they_offer: list[str]) -> str:
    """A first paragraph to start an email with, drafted from my note: a greeting and one specific line."""
    greeting = f"Hi {first_name(name)}," if first_name(name) else "Hi,"
    line = f"{greeting} it was great to meet you at {one_line(event_name, 120)}."
    if parts.promises:
        line += f" As promised: {parts.promises[0]}."
    elif parts.works_on:
        line += f" I enjoyed hearing about {parts.works_on[0]}."
    elif they_need:
        line += f" You mentioned you are looking for {they_need[0]}; I would be glad to help."
    elif they_offer:
        line += f" I would love to hear more about {they_offer[0]}."
    if intent == "coffee":
        line += " Would you like to meet for a coffee in the coming weeks?"
    return one_line(line, DRAFT_MAX)


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: URL (RFC 6068) with a subject and a body; line breaks as %0D%0A."""
    return (
        f"mailto:{quote(address.strip(), safe='@')}"
        f"?subject={quote(one_line(subject, 200), safe='')}"
        f"&body={quote(body.replace(chr(13), '').replace(chr(10), chr(13) + chr(10)), safe='')}"
    )
