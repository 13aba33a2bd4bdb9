"""What each person still has to do after meeting people, and how an event followed through.

An attendee sees their own promises, follow-up intents and the mutual keep-in-touch pairs
they are in. Organizers see aggregates only, each computed over a group of people and shown
only when that group has at least MIN_GROUP of them: with fewer, a share would tell what one
person did with their private notes (k-anonymity with k = 5, issue 14's rule for organizers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..attendees.cards import public_card
from ..attendees.models import Attendee
from ..connections.keep_in_touch import mutual_connection_ids, mutual_pairs
from ..connections.models import INTENTS, Connection
from ..events.models import Event
from ..extensions import db
from ..promises.models import Promise
from ..promises.services import my_promises

MIN_GROUP = 5


@dataclass
class ContactLine:
    """One contact in My follow-ups: my side's row, their name (or "a deleted attendee")."""

    connection: Connection
    name: str

    @property
    def intent_label(self) -> str:
        return INTENTS.get(self.connection.intent, "")


@dataclass
class MyFollowUps:
    """An attendee's follow-through: promises (open first), intents open and done, mutual pairs."""

    promises: list[Promise] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # connection id -> contact's name
    open_intents: list[ContactLine] = field(default_factory=list)
    done_intents: list[ContactLine] = field(default_factory=list)
    keep_in_touch: list[ContactLine] = field(default_factory=list)

    @property
    def open_promises(self) -> int:
        return sum(1 for promise in self.promises if promise.done_at is None)

    @property
    def empty(self) -> bool:
        return not (self.promises or self.open_intents or self.done_intents or self.keep_in_touch)


def _name(person: Attendee | None) -> str:
    return public_card(person)["name"] if person is not None else _("A deleted attendee")


def my_followups(owner: Attendee) -> MyFollowUps:
    """Everything `owner` follows up on, from their own rows only, in four queries."""
    contact = aliased(Attendee)
    rows = db.session.execute(
        select(Connection, contact).outerjoin(contact, contact.id == Connection.contact_id)
        .where(Connection.owner_id == owner.id)
        .order_by(Connection.created_at, Connection.id)
    ).all()
    names = {connection.id: _name(person) for connection, person in rows}
    mutual = mutual_connection_ids(owner, names)
    result = MyFollowUps(promises=my_promises(owner), names=names)
    for connection, _ in rows:
        line = ContactLine(connection, names[connection.id])
        if connection.intent != "none":
            (result.done_intents if connection.followup_done_at else result.open_intents).append(line)
        if connection.id in mutual:
            result.keep_in_touch.append(line)
    return result


@dataclass
class Share:
    """`part` of `whole` people (or promises); None for both when the group is too small to show."""

    part: int | None
    whole: int | None
    group: int  # how many people the figure is about: shown only from MIN_GROUP up

    @property
    def shown(self) -> bool:
        return self.group >= MIN_GROUP

    @property
    def percent(self) -> int:
        return round(100 * self.part / self.whole) if self.shown and self.whole else 0


@dataclass
class EventFollowThrough:
    """An event's follow-through for its organizers, aggregates only (see the module's doc).

    followed_up: attendees who marked at least one follow-up or promise done, of those who had
    one to do; promises_kept: promises done, of all promises (its group: the people who made
    them); mutual_pairs: pairs who both want to keep in touch (its group: the people in them).
    """

    followed_up: Share
    promises_kept: Share
    mutual_pairs: Share


def _hide(part: int, whole: int, group: int) -> Share:
    return Share(part, whole, group) if group >= MIN_GROUP else Share(None, None, group)


def event_followthrough(event: Event) -> EventFollowThrough:
    """The event's three follow-through figures, each hidden under MIN_GROUP people. Three queries."""
    intent_owners = select(Connection.owner_id.label("person"), Connection.followup_done_at.is_not(None).label("done")) \
        .where(Connection.event_id == event.id, Connection.intent != "none")
    promise_owners = select(Promise.owner_id.label("person"), Promise.done_at.is_not(None).label("done")) \
        .where(Promise.event_id == event.id)
    todo = intent_owners.union_all(promise_owners).subquery()
    # Per person: anything to do, and whether anything of it is done.
    per_person = select(todo.c.person, func.max(func.cast(todo.c.done, db.Integer)).label("any_done")) \
        .group_by(todo.c.person).subquery()
    people, done_people = db.session.execute(
        select(func.count(), func.coalesce(func.sum(per_person.c.any_done), 0))
    ).one()
    promises, kept, promisers = db.session.execute(
        select(func.count(Promise.id), func.count(Promise.done_at), func.count(func.distinct(Promise.owner_id)))
        .where(Promise.event_id == event.id)
    ).one()
    pairs = len(mutual_pairs(event))
    return EventFollowThrough(
        followed_up=_hide(int(done_people), int(people), int(people)),
        promises_kept=_hide(int(kept), int(promises), int(promisers)),
        mutual_pairs=_hide(pairs, pairs, 2 * pairs),
    )
