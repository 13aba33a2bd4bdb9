"""The personalised follow-up suggestion: what to do about one contact, from my note and what we share.

Everything here is plain functions of plain values (no database), so it is fast for a digest of
thirty contacts and easy to test. The note's prompted parts (works on, needs, I can offer) and my
open promises come as data (Connection columns, Promise rows), never parsed back out of English
text; topics are compared after normalising.

Every sentence is in the current language (the digest is rendered in its recipient's,
eventnet.i18n.selection.in_recipient_language): the drafted message too, since the sender of
that message is the recipient of the digest. The English grammar helpers (a gerund lower-cased,
"looking for help with" or "looking for a", "to" an action or "on" a thing) choose between
whole sentences, so that each language words both cases its own way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from ..i18n.selection import email_gettext as _
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


# Lazy: each is read inside the recipient's language, when a digest is built.
INTENT_ADVICE = {
    "send": _l("Send them what you talked about"),
    "introduce": _l("Make the introduction you planned"),
    "coffee": _l("Suggest a coffee: offer two times that suit you"),
    "job": _l("Follow up on the job lead while it is fresh"),
    "mentor": _l("Propose a first mentoring conversation"),
}

# The question a drafted message ends on, by follow-up intent.
INTENT_ASKS = {
    "coffee": _l("Would you like to grab a coffee in the next few weeks?"),
    "introduce": _l("I'd like to introduce you to someone I think you should meet. Would that be welcome?"),
    "job": _l("I'd love to keep talking about the role. When would suit you?"),
    "mentor": _l("Would you be up for a first mentoring conversation?"),
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


def _sought_itself(phrase: str) -> bool:
    # "a mentor" is what they look for; "hiring" is what they want help with (see _DETERMINERS).
    return _first_word(phrase) in _DETERMINERS


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
        sentences.append(_("You marked this follow-up done."))
    if parts.promises:
        # The language's own quotation marks: „…“, « … », «…».
        quoted = "; ".join(_("“%(promise)s”", promise=p) for p in parts.promises[:3])
        sentences.append(_("Keep your promise: %(promises)s.", promises=quoted))
    if not done and intent in INTENT_ADVICE:
        advice = str(INTENT_ADVICE[intent])
        if intent == "introduce" and parts.needs:
            advice += " " + _("(they need: %(need)s)", need=parts.needs[0])
        sentences.append(advice + ".")
    if they_need:
        phrase = topic_phrase(they_need[0])
        sentences.append(_("They're looking for %(topic)s, which you can help with.", topic=phrase)
                         if _sought_itself(phrase) else
                         _("They're looking for help with %(topic)s, which you can help with.", topic=phrase))
    if they_offer:
        sentences.append(_("They can help with %(topic)s, which you're looking for: ask them.",
                           topic=topic_phrase(they_offer[0])))
    if not sentences and parts.needs:
        sentences.append(_("They need %(need)s: a pointer from you would be remembered.", need=parts.needs[0]))
    if not sentences:
        sentences.append(
            _("Say thanks and mention what you talked about.") if (note or "").strip()
            else _("Say it was good to meet while they still remember you, and what you would like to talk about next.")
        )
    opening = draft_first_line(card.get("name", ""), event_name, parts, intent, they_need, they_offer)
    return Suggestion(
        text=" ".join(sentences[:3]),
        promises=parts.promises,
        they_need=they_need,
        they_offer=they_offer,
        subject=one_line(_("Great to meet you at %(event)s", event=event_name), 150),
        first_line=opening,
        draft=draft_message(opening, intent, sender_name, greeting=_greeting(card.get("name", ""))),
    )


def _specifics(parts: NoteParts, they_need: list[str], they_offer: list[str], seen: bool = False) -> list[str]:
    # At most two sentences about what was talked about, each from a part meant to be shared:
    # the prompted lines (a promise, what they work on, need, what I offered) and the topics
    # both cards share. parts.other, the free text of the note, is never read here.
    # `seen`: "You mentioned" in a drafted reply to a contact; "I saw" for someone I never met,
    # whose card is all I know (meeting_draft).
    said: list[str] = []
    if parts.promises:
        promise = _lower_first(parts.promises[0]).rstrip(".")
        said.append(_("As promised, I'm writing to %(promise)s.", promise=promise) if _action(promise)
                    else _("As promised, following up on %(promise)s.", promise=promise))
    elif parts.works_on:
        said.append(_("I really enjoyed hearing about your work on %(topic)s.",
                      topic=_lower_first(parts.works_on[0]).rstrip(".")))
    if they_need:
        said.append(_looking(topic_phrase(they_need[0]), seen, helped=False))
    elif parts.needs:
        said.append(_looking(topic_phrase(_lower_first(parts.needs[0]).rstrip(".")), seen, helped=True))
    elif parts.offers:
        offer = _lower_first(parts.offers[0]).rstrip(".")
        said.append(_("As I said, I'm happy to %(offer)s.", offer=offer) if _action(offer)
                    else _("As I said, I'm happy to offer %(offer)s.", offer=offer))
    elif they_offer:
        said.append(_("I'd love to pick your brain on %(topic)s sometime — it's on my mind at the moment.",
                      topic=topic_phrase(they_offer[0])))
    return said[:2]


def _looking(phrase: str, seen: bool, *, helped: bool) -> str:
    # Whole sentences, one per case, so that a translation words each as its language does.
    itself = _sought_itself(phrase)
    if seen:
        if helped:
            return (_("I saw you're looking for %(topic)s — happy to help if I can.", topic=phrase) if itself
                    else _("I saw you're looking for help with %(topic)s — happy to help if I can.", topic=phrase))
        return (_("I saw you're looking for %(topic)s — happy to share what worked for us.", topic=phrase) if itself
                else _("I saw you're looking for help with %(topic)s — happy to share what worked for us.",
                       topic=phrase))
    if helped:
        return (_("You mentioned you're looking for %(topic)s — happy to help if I can.", topic=phrase) if itself
                else _("You mentioned you're looking for help with %(topic)s — happy to help if I can.", topic=phrase))
    return (_("You mentioned you're looking for %(topic)s — happy to share what worked for us.", topic=phrase)
            if itself else
            _("You mentioned you're looking for help with %(topic)s — happy to share what worked for us.",
              topic=phrase))


def _greeting(name: str) -> str:
    return _("Hi %(name)s,", name=first_name(name)) if first_name(name) else _("Hi,")


def draft_first_line(name: str, event_name: str, parts: NoteParts, intent: str,
                     they_need: list[str], they_offer: list[str]) -> str:
    """The opening paragraph of a drafted email: a greeting and what we talked about, in one paragraph."""
    line = " ".join([_greeting(name), _("it was great to meet you at %(event)s.", event=one_line(event_name, 120)),
                     *_specifics(parts, they_need, they_offer)])
    return one_line(line, DRAFT_MAX)


def draft_message(first_line: str, intent: str, sender_name: str = "", *, greeting: str = "") -> str:
    """The whole drafted email: the opening paragraph, the follow-up's question, a sign-off.

    "Hi Amara, it was great…" becomes "Hi Amara,\n\nIt was great…", as a person writes it, when
    `first_line` opens with `greeting` (draft_first_line's "Hi Amara," in the current language).
    """
    rest = first_line[len(greeting):].lstrip() if greeting and first_line.startswith(greeting + " ") else ""
    paragraphs = [greeting, rest[:1].upper() + rest[1:]] if rest else [first_line]
    if intent in INTENT_ASKS:
        paragraphs.append(str(INTENT_ASKS[intent]))
    sign = first_name(sender_name)
    paragraphs.append(_("Best,") + f"\n{sign}" if sign else _("Best,"))
    return "\n\n".join(paragraphs)


def meeting_draft(name: str, event_name: str, they_need: list[str], they_offer: list[str], sender_name: str = "") -> str:
    """A first email to someone met only through matching topics (the no-contacts digest)."""
    greeting = _greeting(name)
    line = " ".join([greeting, _("we were both at %(event)s but didn't get to meet.", event=one_line(event_name, 120))])
    # They said nothing to me: what I know comes from their shared card.
    said = _specifics(NoteParts(), they_need, they_offer, seen=True)
    line = " ".join([line, *said]) if said else line
    return draft_message(one_line(line, DRAFT_MAX), "coffee" if said else "none", sender_name, greeting=greeting)


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: URL (RFC 6068) with a subject and a body; line breaks as %0D%0A."""
    return (
        f"mailto:{quote(address.strip(), safe='@')}"
        f"?subject={quote(one_line(subject, 200), safe='')}"
        f"&body={quote(body.replace(chr(13), '').replace(chr(10), chr(13) + chr(10)), safe='')}"
    )
