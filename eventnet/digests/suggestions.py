"""The personalised follow-up suggestion: what to do about one contact, from my note and what we share.

Everything here is plain functions of plain values (no database), so it is fast for a digest of
thirty contacts and easy to test. The note's prompted parts (works on, needs, I can offer) and my
open promises come as data (Connection columns, Promise rows), never parsed back out of English
text; topics are compared after normalising.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from ..meet.topics import topic_overlap

ITEM_MAX = 200  # one promise or need as quoted in an email
DRAFT_MAX = 600


@dataclass
class NoteParts:
    """The prompted parts of a note and my open promises, each list in order; `other` is the free text."""

    promises: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    works_on: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def one_line(text: str, limit: int = ITEM_MAX) -> str:
    """Text on one line (no CR/LF/tab), shortened with an ellipsis past `limit` characters."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def note_parts(note: str | None, *, works_on: str = "", needs: str = "", offers: str = "",
               promises: Iterable[str] = ()) -> NoteParts:
    """A note's parts as the digest reads them: the prompted ones as stored, the free text by line."""
    return NoteParts(
        promises=[one_line(p) for p in promises if one_line(p)],
        needs=[one_line(needs)] if one_line(needs) else [],
        works_on=[one_line(works_on)] if one_line(works_on) else [],
        offers=[one_line(offers)] if one_line(offers) else [],
        other=[one_line(line, 300) for line in (note or "").splitlines() if line.strip()],
    )


def first_name(name: str) -> str:
    words = one_line(name, 80).split()
    return words[0] if words else ""


@dataclass
class Suggestion:
    """What to do about one contact, and a drafted message for writing to them.

    `first_line` is the opening paragraph (greeting and what we talked about); `draft` the whole
    message a "Write to" link opens: that paragraph, the follow-up's question, and a sign-off.
    Both are built only from what is meant to be shared (see draft_message), never the free
    text of the note.
    """

    text: str
    promises: list[str]
    they_need: list[str]  # their "looking for" topics I can help with
    they_offer: list[str]  # their "can help with" topics I am looking for
    subject: str
    first_line: str
    draft: str = ""


INTENT_ADVICE = {
    "send": "Send them what you talked about",
    "introduce": "Make the introduction you planned",
    "coffee": "Suggest a coffee: offer two times that suit you",
    "job": "Follow up on the job lead while it is fresh",
    "mentor": "Propose a first mentoring conversation",
}

# The question a drafted message ends on, by follow-up intent.
INTENT_ASKS = {
    "coffee": "Would you like to grab a coffee in the next few weeks?",
    "introduce": "I'd like to introduce you to someone I think you should meet. Would that be welcome?",
    "job": "I'd love to keep talking about the role. When would suit you?",
    "mentor": "Would you be up for a first mentoring conversation?",
}

# A topic is a noun phrase ("hiring", "Rust", "a mentor"); these words open one that names what
# is sought itself ("looking for a mentor"), the others are what one wants help with ("looking
# for help with hiring").
_DETERMINERS = ("a", "an", "the", "some", "someone", "somebody", "people", "new", "more", "our", "my", "your")
# A promise or offer written as an action ("send the slides", "review the deck") reads after
# "to"; anything else is a thing ("the deck", "feedback on the pitch") and reads after "on"/"offer".
_VERBS = frozenset("""send share introduce connect forward email mail call check look review ask write find follow
    put get make set book help give show meet read try test host run draft pass reach text ping dm""".split())


def _first_word(text: str) -> str:
    words = text.split()
    return words[0].lower().strip(",.;:") if words else ""


def topic_phrase(topic: str) -> str:
    """A topic as it reads inside a sentence: a leading gerund lower-cased ("Hiring" -> "hiring"),
    anything else as its owner wrote it ("Rust", "Python packaging", "a CFO")."""
    text = one_line(topic, 80).strip(" .")
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower().endswith("ing"):
        return text[:1].lower() + text[1:]
    return text


def looking_for(topic: str) -> str:
    """'hiring' -> 'looking for help with hiring'; 'a mentor' -> 'looking for a mentor'."""
    phrase = topic_phrase(topic)
    if _first_word(phrase) in _DETERMINERS:
        return f"looking for {phrase}"
    return f"looking for help with {phrase}"


def _action(text: str) -> bool:
    return _first_word(text) in _VERBS


def _lower_first(text: str) -> str:
    # "Send the slides", "A designer", "Hiring" go mid-sentence lower-cased; a name ("Rust
    # compilers", "Maria's startup", "API docs") stays as written: only words known to be
    # verbs, determiners or gerunds are lowered.
    first = text.split(" ", 1)[0]
    word = first.lower().strip(",.;:")
    known = word in _VERBS or word in _DETERMINERS or word.endswith("ing")
    return text[:1].lower() + text[1:] if known and first[:1].isupper() and (first[1:].islower() or len(first) == 1) else text


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
    sender_name: str = "",
) -> Suggestion:
    """The follow-up suggestion for one contact (card = their public card, my_* = my own topics)."""
    parts = parts or note_parts(note)
    they_need = topic_overlap(card.get("looking_for") or (), my_help)
    they_offer = topic_overlap(card.get("can_help_with") or (), my_needs)
    sentences: list[str] = []
    if done:
        sentences.append("You marked this follow-up done.")
    if parts.promises:
        quoted = "; ".join(f"“{p}”" for p in parts.promises[:3])
        sentences.append(f"Keep your promise: {quoted}.")
    if not done and intent in INTENT_ADVICE:
        advice = INTENT_ADVICE[intent]
        if intent == "introduce" and parts.needs:
            advice += f" (they need: {parts.needs[0]})"
        sentences.append(advice + ".")
    if they_need:
        sentences.append(f"They're {looking_for(they_need[0])}, which you can help with.")
    if they_offer:
        sentences.append(f"They can help with {topic_phrase(they_offer[0])}, which you're looking for: ask them.")
    if not sentences and parts.needs:
        sentences.append(f"They need {parts.needs[0]}: a pointer from you would be remembered.")
    if not sentences:
        sentences.append(
            "Say thanks and mention what you talked about." if (note or "").strip()
            else "Say it was good to meet while they still remember you, and what you would like to talk about next."
        )
    opening = draft_first_line(card.get("name", ""), event_name, parts, intent, they_need, they_offer)
    return Suggestion(
        text=" ".join(sentences[:3]),
        promises=parts.promises,
        they_need=they_need,
        they_offer=they_offer,
        subject=one_line(f"Great to meet you at {event_name}", 150),
        first_line=opening,
        draft=draft_message(opening, intent, sender_name),
    )


def _specifics(parts: NoteParts, they_need: list[str], they_offer: list[str]) -> list[str]:
    # At most two sentences about what was talked about, each from a part meant to be shared:
    # the prompted lines (a promise, what they work on, need, what I offered) and the topics
    # both cards share. parts.other, the free text of the note, is never read here.
    said: list[str] = []
    if parts.promises:
        promise = _lower_first(parts.promises[0]).rstrip(".")
        said.append(f"As promised, I'm writing to {promise}." if _action(promise)
                    else f"As promised, following up on {promise}.")
    elif parts.works_on:
        said.append(f"I really enjoyed hearing about your work on {_lower_first(parts.works_on[0]).rstrip('.')}.")
    if they_need:
        said.append(f"You mentioned you're {looking_for(they_need[0])} — happy to share what worked for us.")
    elif parts.needs:
        said.append(f"You mentioned you're {looking_for(_lower_first(parts.needs[0]).rstrip('.'))} — happy to help if I can.")
    elif parts.offers:
        offer = _lower_first(parts.offers[0]).rstrip(".")
        said.append(f"As I said, I'm happy to {offer}." if _action(offer) else f"As I said, I'm happy to offer {offer}.")
    elif they_offer:
        said.append(f"I'd love to pick your brain on {topic_phrase(they_offer[0])} sometime — it's on my mind at the moment.")
    return said[:2]


def draft_first_line(name: str, event_name: str, parts: NoteParts, intent: str,
                     they_need: list[str], they_offer: list[str]) -> str:
    """The opening paragraph of a drafted email: a greeting and what we talked about, in one paragraph."""
    greeting = f"Hi {first_name(name)}," if first_name(name) else "Hi,"
    line = " ".join([f"{greeting} it was great to meet you at {one_line(event_name, 120)}.",
                     *_specifics(parts, they_need, they_offer)])
    return one_line(line, DRAFT_MAX)


def draft_message(first_line: str, intent: str, sender_name: str = "") -> str:
    """The whole drafted email: the opening paragraph, the follow-up's question, a sign-off.

    "Hi Amara, it was great…" becomes "Hi Amara,\n\nIt was great…", as a person writes it.
    """
    greeting, _, rest = first_line.partition(", ")
    paragraphs = [greeting + ",", rest[:1].upper() + rest[1:]] if greeting.startswith("Hi") and rest else [first_line]
    if intent in INTENT_ASKS:
        paragraphs.append(INTENT_ASKS[intent])
    sign = first_name(sender_name)
    paragraphs.append(f"Best,\n{sign}" if sign else "Best,")
    return "\n\n".join(paragraphs)


def meeting_draft(name: str, event_name: str, they_need: list[str], they_offer: list[str], sender_name: str = "") -> str:
    """A first email to someone met only through matching topics (the no-contacts digest)."""
    greeting = f"Hi {first_name(name)}," if first_name(name) else "Hi,"
    line = f"{greeting} we were both at {one_line(event_name, 120)} but didn't get to meet."
    # They said nothing to me: what I know comes from their shared card.
    said = [s.replace("You mentioned you're", "I saw you're") for s in _specifics(NoteParts(), they_need, they_offer)]
    line = " ".join([line, *said]) if said else line
    return draft_message(one_line(line, DRAFT_MAX), "coffee" if said else "none", sender_name)


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: URL (RFC 6068) with a subject and a body; line breaks as %0D%0A."""
    return (
        f"mailto:{quote(address.strip(), safe='@')}"
        f"?subject={quote(one_line(subject, 200), safe='')}"
        f"&body={quote(body.replace(chr(13), '').replace(chr(10), chr(13) + chr(10)), safe='')}"
    )
