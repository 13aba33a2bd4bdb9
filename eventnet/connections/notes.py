"""Each side's private note on a connection: the text, tags, star, follow-up intent, the
prompted parts and the promises sent with it. Only the owner of a connection row writes it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from ..attendees.models import Attendee
from ..database import utcnow
from ..extensions import db
from ..forms import FormInvalid
from ..promises import services as promises
from ..promises.services import PromiseInvalid
from .models import INTENTS, NOTE_PARTS, PART_MAX, Connection

NOTE_MAX = 5000
TAG_MAX = 30
TAGS_MAX = 10
TAGS_TEXT_MAX = 400


class NoteInvalid(FormInvalid):
    """A note form that cannot be saved."""

    form_code = "note_invalid"  # the note API's code since its first version (static/js/queue.js)


@dataclass
class NoteInput:
    """What a note form sent; None means "not sent, leave as it is".

    works_on, needs and offers are the note's prompted parts (NOTE_PARTS); `promises` are
    (text, due YYYY-MM-DD or None) to track, each added once per text (a replay adds nothing).
    """

    note: str | None = None
    tags_text: str | None = None
    starred: bool | None = None
    intent: str | None = None
    add_tag: str | None = None
    works_on: str | None = None
    needs: str | None = None
    offers: str | None = None
    promises: list[tuple[str, str | None]] | None = None

    @classmethod
    def from_form(cls, form: Mapping) -> NoteInput:
        """Read a submitted form (a MultiDict: the star is a hidden "0" followed by the checkbox)."""
        starred = form.getlist("starred") if hasattr(form, "getlist") else [form.get("starred")]
        starred = [value for value in starred if value is not None]
        return cls(
            note=form.get("note"),
            tags_text=form.get("tags"),
            starred=(starred[-1] in ("1", "on", "true")) if starred else None,
            intent=form.get("intent"),
            add_tag=form.get("add_tag") or None,
            promises=[(form["promise"], form.get("promise_due"))] if (form.get("promise") or "").strip() else None,
            **{name: form.get(name) for name in NOTE_PARTS},
        )

    def parts(self) -> dict[str, str]:
        """The prompted parts that were sent, one line each, trimmed."""
        return {name: " ".join(value.split()) for name in NOTE_PARTS
                if isinstance(value := getattr(self, name), str)}


def split_tags(text: str) -> list[str]:
    """Comma-separated tags, trimmed, lower-cased, inner spaces collapsed, duplicates dropped."""
    seen: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def validate_tags(text: str) -> list[str]:
    """Normalised tags, or ValueError with a message for the person."""
    if len(text) > TAGS_TEXT_MAX:
        raise ValueError(_("Tags are at most %(max)s characters in all.", max=TAGS_TEXT_MAX))
    tags = split_tags(text)
    if len(tags) > TAGS_MAX:
        raise ValueError(_("Use at most %(max)s tags (you have %(count)s).", max=TAGS_MAX, count=len(tags)))
    long = [tag for tag in tags if len(tag) > TAG_MAX]
    if long:
        raise ValueError(_("Each tag is at most %(max)s characters: shorten “%(tag)s”.", max=TAG_MAX, tag=long[0][:40]))
    return tags


def save_note(connection: Connection, data: NoteInput) -> Connection:
    """Validate and store owner's note, tags, star, intent and prompted parts on their side only,
    and track the promise sent with it (once per text). Commits."""
    errors: dict[str, str] = {}
    note = connection.note if data.note is None else data.note.replace("\r\n", "\n")
    if len(note) > NOTE_MAX:
        errors["note"] = f"The note is at most {NOTE_MAX:,} characters (it has {len(note):,})."
    tags_text = ", ".join(connection.tags or []) if data.tags_text is None else data.tags_text
    if data.add_tag:
        tags_text = f"{tags_text}, {data.add_tag}" if tags_text.strip() else data.add_tag
    tags: list[str] = []
    try:
        tags = validate_tags(tags_text)
    except ValueError as error:
        errors["tags"] = str(error)
    intent = connection.intent if data.intent is None else data.intent
    if intent not in INTENTS:
        errors["intent"] = "Choose one of the follow-up options."
    parts = data.parts()
    for name, value in parts.items():
        if len(value) > PART_MAX:
            errors[name] = f"“{NOTE_PARTS[name][0]}” is at most {PART_MAX} characters (it has {len(value)})."
    promised = []
    for text, due in data.promises or ():
        try:
            promised.append(promises.checked(text, due))
        except PromiseInvalid as invalid:
            errors.update(invalid.errors)
    if errors:
        raise NoteInvalid(errors)
    current = {name: getattr(connection, name) for name in parts}
    changed = (note, tags, intent, parts) != (connection.note, list(connection.tags or []), connection.intent, current)
    if data.starred is not None and data.starred != connection.starred:
        changed = True
        connection.starred = data.starred
    connection.note, connection.tags, connection.intent = note, tags, intent
    for name, value in parts.items():
        setattr(connection, name, value)
    for text, due_on in promised:
        if promises.track(connection, text, due_on, commit=False):
            changed = True
    if changed:
        connection.note_updated_at = utcnow()
    db.session.commit()
    return connection


def suggested_tags(owner: Attendee, contact_card: Mapping | None, current: list[str], limit: int = 8) -> list[str]:
    """Tags worth one tap: the contact's shared topics, then tags owner used before, minus current ones."""
    suggestions: list[str] = []
    if contact_card:
        for key in ("topics", "can_help_with", "looking_for"):
            value = contact_card.get(key)
            if isinstance(value, str):
                suggestions += split_tags(value)
            elif isinstance(value, (list, tuple)):
                suggestions += split_tags(",".join(str(v) for v in value))
            elif isinstance(value, Mapping):
                suggestions += split_tags(",".join(str(v) for v in value.values() if isinstance(v, str)))
    used = db.session.execute(
        db.select(Connection.tags).where(Connection.owner_id == owner.id, Connection.note_updated_at.is_not(None))
        .order_by(Connection.note_updated_at.desc()).limit(200)
    ).scalars()
    for tags in used:
        suggestions += [tag for tag in tags or [] if isinstance(tag, str)]
    out: list[str] = []
    for tag in suggestions:
        if tag not in current and tag not in out and len(tag) <= TAG_MAX:
            out.append(tag)
    return out[:limit]
