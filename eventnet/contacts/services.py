"""The contact book: one owner's connections, searched and filtered in SQL, a page at a time."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import ceil

from flask_babel import gettext as _
from sqlalchemy import Text, and_, case, cast, func, or_
from sqlalchemy.orm import lazyload
from sqlalchemy.sql.elements import ColumnElement

from ..attendees.cards import card_for
from ..attendees.models import Attendee
from ..connections.keep_in_touch import mutual_exists
from ..connections.models import INTENTS, NOTE_PARTS, Connection
from ..extensions import db
from ..forms import Paged, parse_page
from ..i18n.markers import N_

PER_PAGE = 100
MAX_QUERY = 100
MAX_WORDS = 8
MAX_TAG = 30
DIRECTIONS = {"i_scanned": N_("I scanned"), "scanned_me": N_("Scanned me")}
# How the book can be ordered; the first is the default and stays out of the URL.
SORTS = {"recent": N_("Most recent"), "name": N_("Name"), "starred": N_("Starred first"),
         "open": N_("Open follow-ups first")}
DELETED_NAME = N_("A deleted attendee")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class BookFilters:
    """What the book is narrowed to; every field is already validated (unknown values dropped)."""

    q: str = ""
    tag: str = ""
    starred: bool = False
    intent: str = ""
    direction: str = ""
    sort: str = "recent"
    page: int = 1
    keep_in_touch: bool = False  # only the pairs where both want to keep in touch


    @property
    def active(self) -> bool:
        """Whether the book is narrowed (a sort only reorders it, so it does not count)."""
        return bool(self.q or self.tag or self.starred or self.intent or self.direction or self.keep_in_touch)

    @property
    def narrowing(self) -> list[str]:
        """What the filters disclosure is set to, in words of the current language: ["Starred", "Meet for coffee", "Tag: rust"]."""
        labels = []
        if self.starred:
            labels.append(_("Starred"))
        if self.keep_in_touch:
            labels.append(_("Keep in touch"))
        if self.intent:
            labels.append(_(INTENTS[self.intent]))
        if self.tag:
            labels.append(_("Tag: %(tag)s", tag=self.tag))
        if self.direction:
            labels.append(_(DIRECTIONS[self.direction]))
        if self.sort != "recent":
            labels.append(_(SORTS[self.sort]))
        return labels

    def args(self, **override) -> dict:
        """The query-string arguments that reproduce these filters (empty ones left out)."""
        values = {"q": self.q, "tag": self.tag, "starred": "1" if self.starred else "",
                  "intent": self.intent, "met": self.direction, "sort": "" if self.sort == "recent" else self.sort,
                  "page": self.page if self.page > 1 else "", "kit": "1" if self.keep_in_touch else ""}
        values.update(override)
        return {key: value for key, value in values.items() if value not in ("", None)}



def _plain(value: object) -> str:
    # Control characters (NUL above all: PostgreSQL refuses it in text) never match anything.
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())


def parse_filters(args: Mapping) -> BookFilters:
    """Filters from a query string; a value we do not know means "no filter", never an error."""
    q = _plain(args.get("q"))[:MAX_QUERY]
    tag = _plain(args.get("tag")).lower()
    intent = str(args.get("intent") or "")
    direction = str(args.get("met") or "")
    sort = str(args.get("sort") or "")
    return BookFilters(
        q=q,
        tag=tag if len(tag) <= MAX_TAG else "",
        starred=str(args.get("starred") or "") in ("1", "on", "true", "yes"),
        intent=intent if intent in INTENTS else "",
        direction=direction if direction in DIRECTIONS else "",
        sort=sort if sort in SORTS else "recent",
        page=parse_page(args.get("page")),
        keep_in_touch=str(args.get("kit") or "") in ("1", "on", "true", "yes"),
    )


@dataclass
class ContactRow:
    """One line of the book: my side of the connection, and the contact's shared card (None once deleted)."""

    connection: Connection
    card: dict | None
    mutual: bool = False  # both sides want to keep in touch (a one-sided mark never shows here)

    @property
    def name(self) -> str:
        return self.card["name"] if self.card else _(DELETED_NAME)


@dataclass
class BookPage(Paged):
    """One page of an owner's contacts that match the filters, with the counts the page shows."""

    rows: list[ContactRow]
    total: int  # all my contacts in this event
    matched: int  # those that match the filters
    page: int
    pages: int
    filters: BookFilters
    tags: list[str] = field(default_factory=list)  # every tag I used, for the filter menu


def _like(text: str) -> str:
    # "!" as the LIKE escape: backslashes occur in JSON text, where we search for tags.
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _json_fragment(value: str) -> str:
    # Tags are stored as JSON text, which escapes non-ASCII ("zoë" is "zo\u00eb"): search for
    # the text as JSON writes it, so that a search for an accented tag still finds it.
    return json.dumps(value, ensure_ascii=True)[1:-1]


def _shares(name: str) -> ColumnElement[bool]:
    # The company is searched only where the contact shares it, or a search could reveal a
    # hidden field ("does she work at X?"). shared_fields is a JSON list of names.
    return cast(Attendee.shared_fields, Text).like(_like(json.dumps(name)), escape="!")


def intents_matching(word: str) -> list[str]:
    """The follow-up intents whose label contains `word` in any case: "coffee" -> ["coffee"].

    The database stores the intent's key ("coffee"), the person sees its label ("Meet for
    coffee"): the label is matched here, in Python, and the query asks for the keys. "No
    follow-up" is not a follow-up, so it never matches.
    """
    folded = word.lower()
    return [key for key, label in INTENTS.items() if key != "none" and folded in label.lower()]


def _word_matches(word: str) -> ColumnElement[bool]:
    # Case-insensitive on both databases: ILIKE is lower(x) LIKE lower(y) on SQLite, whose
    # lower() eventnet.database replaces with Python's (all of Unicode); PostgreSQL's ILIKE
    # folds by the database's LC_CTYPE (any UTF-8 locale folds "ZOË" to "zoë").
    pattern = _like(word)
    matches = [
        Attendee.name.ilike(pattern, escape="!"),
        and_(_shares("company"), Attendee.company.ilike(pattern, escape="!")),
        Connection.note.ilike(pattern, escape="!"),
        # The note's prompted parts (works on, needs, I can offer) are part of the note to a searcher.
        *(getattr(Connection, part).ilike(pattern, escape="!") for part in NOTE_PARTS),
        cast(Connection.tags, Text).ilike(_like(_json_fragment(word.lower())), escape="!"),
    ]
    intents = intents_matching(word)
    if intents:
        matches.append(Connection.intent.in_(intents))
    return or_(*matches)


def _conditions(filters: BookFilters) -> list[ColumnElement[bool]]:
    conditions = [_word_matches(word) for word in filters.q.split()[:MAX_WORDS]]
    if filters.tag:
        conditions.append(cast(Connection.tags, Text).like(_like(json.dumps(filters.tag)), escape="!"))
    if filters.starred:
        conditions.append(Connection.starred.is_(True))
    if filters.keep_in_touch:
        conditions.append(mutual_exists())
    if filters.intent:
        conditions.append(Connection.intent == filters.intent)
    if filters.direction:
        conditions.append(Connection.initiated.is_(filters.direction == "i_scanned"))
    return conditions


def _owned(owner: Attendee, *entities):
    # Outer join: a contact who deleted their account left contact_id NULL, and my note stays.
    return (
        db.select(*entities).select_from(Connection)
        .outerjoin(Attendee, Attendee.id == Connection.contact_id)
        .where(Connection.owner_id == owner.id, Connection.event_id == owner.event_id)
    )


def _card(contact: Attendee | None, connection: Connection) -> dict | None:
    # What the contact gives the owner of `connection` (attendees.cards.card_for); None once deleted.
    return card_for(contact, connection) if contact is not None else None


def _is_open():
    # An open follow-up, as the digest's reminders count it from the row alone: an intent not yet done.
    return and_(Connection.intent != "none", Connection.followup_done_at.is_(None))


def _order(sort: str) -> list:
    newest = [Connection.created_at.desc(), Connection.id.desc()]
    if sort == "name":
        # Deleted contacts have no name: they go last. lower() so that "anna" sits with "Anna".
        return [Attendee.name.is_(None), func.lower(Attendee.name), *newest]
    if sort == "starred":
        return [Connection.starred.desc(), *newest]
    if sort == "open":
        return [case((_is_open(), 0), else_=1), *newest]
    return newest


def contact_rows(owner: Attendee, filters: BookFilters | None = None) -> list[ContactRow]:
    """owner's contacts matching `filters`, in the filters' order (newest first by default),
    each with the card its contact shares."""
    filters = filters or BookFilters()
    # Whether each pair is mutual comes as a column of the same query, computed for every row
    # alike (marked by me or not), so a one-sided mark costs no extra work anywhere.
    query = (
        _owned(owner, Connection, Attendee, mutual_exists().label("mutual"))
        .where(*_conditions(filters)).order_by(*_order(filters.sort))
        # Attendee.event is joined eagerly with an INNER join, which would drop the rows of
        # deleted contacts; the event is the owner's and already in the session, so no query.
        .options(lazyload(Attendee.event))
    )
    return [ContactRow(connection, _card(contact, connection), bool(mutual))
            for connection, contact, mutual in db.session.execute(query).all()]


def _page_rows(owner: Attendee, connections: list[Connection]) -> list[ContactRow]:
    """These connections of owner's as book rows: each contact's card (None once deleted) and
    whether the pair is mutual, in one query, as contact_rows computes them."""
    if not connections:
        return []
    details = {id_: (contact, bool(mutual)) for id_, contact, mutual in db.session.execute(
        _owned(owner, Connection.id, Attendee, mutual_exists().label("mutual"))
        .where(Connection.id.in_([c.id for c in connections]))
        .options(lazyload(Attendee.event))  # as in contact_rows
    ).all()}
    return [ContactRow(c, _card(details[c.id][0], c), details[c.id][1]) for c in connections]


def used_tags(owner: Attendee) -> list[str]:
    """Every tag owner put on a contact of this event, sorted."""
    tags: set[str] = set()
    for value in db.session.execute(
        db.select(Connection.tags).where(Connection.owner_id == owner.id, Connection.event_id == owner.event_id)
    ).scalars():
        tags.update(tag for tag in value or [] if isinstance(tag, str))
    return sorted(tags)


def search_book(owner: Attendee, filters: BookFilters, per_page: int = PER_PAGE) -> BookPage:
    """One page of owner's contact book: four queries whatever the book's size (the counts, the
    page by db.paginate, the page's cards and mutual marks, the tags)."""
    conditions = _conditions(filters)
    matches = and_(*conditions) if conditions else None
    count_query = db.select(
        func.count(Connection.id),
        func.coalesce(func.sum(case((matches, 1), else_=0)), 0) if matches is not None else func.count(Connection.id),
    ).select_from(Connection).outerjoin(Attendee, Attendee.id == Connection.contact_id).where(
        Connection.owner_id == owner.id, Connection.event_id == owner.event_id
    )
    total, matched = db.session.execute(count_query).one()
    # Past the end shows the last page, not an empty one. The count above (with the book's total)
    # is the pagination's: count=False saves db.paginate a second one.
    last = max(ceil(matched / per_page), 1)
    query = _owned(owner, Connection).where(*conditions).order_by(*_order(filters.sort))
    pagination = db.paginate(query, page=min(filters.page, last), per_page=per_page, max_per_page=per_page,
                             error_out=False, count=False)
    pagination.total = int(matched)
    # db.paginate yields one entity per row: the contacts' cards come from one query for the page.
    rows = _page_rows(owner, list(pagination.items))
    return BookPage(rows=rows, total=int(total), matched=pagination.total, page=pagination.page,
                    pages=max(pagination.pages, 1), filters=filters, tags=used_tags(owner))


def remove_contact(connection: Connection) -> None:
    """Delete my side of a connection (note, tags and all); the contact keeps theirs. Commits."""
    # Scans that led to it keep existing (connection_id goes NULL in the database), so a replayed
    # offline scan is answered "contact removed" instead of quietly reconnecting.
    db.session.delete(connection)
    db.session.commit()


def contact_row_or_404(owner: Attendee, connection_id: int) -> ContactRow:
    """One of owner's contacts with the card its contact shares; anyone else's is a 404."""
    from ..connections.services import contact_of, get_connection_or_404

    connection = get_connection_or_404(owner, connection_id)
    contact = contact_of(connection)
    return ContactRow(connection, _card(contact, connection))
