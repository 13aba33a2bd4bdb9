"""Finding an event's attendees: a search with filters and a sort, a page at a time, with each
one's contact count (never the contacts). The organizer's attendee list, its bulk actions and
badge printing (browser and `flask badges`) all select people through here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from math import ceil

from flask_babel import gettext as _
from sqlalchemy import Row, func, or_
from sqlalchemy.orm import Bundle

from ..connections.models import Connection
from ..errors import fail
from ..events.models import Event
from ..extensions import db
from ..forms import Paged, parse_page
from .models import ROLES, Attendee

PER_PAGE = 50
MAX_QUERY = 100


@dataclass
class AttendeeRow:
    """An attendee as the list shows them: the person and a count of contacts, never the contacts.

    `attendee` is a plain row of LIST_ROW (id, name, email, company, role, is_organizer, last_login_at,
    profile_updated_at, short_code), not an Attendee. `has_data` (a connection either way) decides
    which help-desk login they get: emailed, or on screen.
    """

    attendee: Row
    contacts: int
    has_data: bool = False


PAGE_SIZES = (25, 50)
# column -> how it sorts; every one reads indexed columns of one event's rows, and "contacts"
# a correlated count on connections(owner_id, created_at), evaluated per attendee of the event.
SORTS = ("name", "email", "role", "login", "contacts")


@dataclass
class ListQuery:
    """What the attendee list shows: a search, filters, a sort and a page (all from the URL).

    Shape: q "ada" (name, email or company contains it), never_logged_in / no_contacts flags,
    role "" | "attendee" | "organizer", sort one of SORTS, desc, page >= 1, per_page in PAGE_SIZES.
    """

    q: str = ""
    never_logged_in: bool = False
    no_contacts: bool = False
    role: str = ""
    sort: str = "name"
    desc: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args) -> "ListQuery":
        """Read a query string leniently: anything unknown is the default, never a 500."""
        per_page = str(args.get("per_page", ""))
        sort = str(args.get("sort", "name"))
        role = str(args.get("role", ""))
        return cls(
            q=clean_query(args.get("q")),
            never_logged_in=args.get("never") == "1",
            no_contacts=args.get("nocontacts") == "1",
            role=role if role in ROLES else "",
            sort=sort if sort in SORTS else "name",
            desc=args.get("dir") == "desc",
            page=parse_page(args.get("page")),
            per_page=int(per_page) if per_page in {str(n) for n in PAGE_SIZES} else PER_PAGE,
        )

    def filter_args(self) -> dict[str, str]:
        """The search and filters as query arguments (what "everyone matching" means), defaults left out."""
        args = {"q": self.q, "never": "1" if self.never_logged_in else "", "nocontacts": "1" if self.no_contacts else "",
                "role": self.role}
        return {k: v for k, v in args.items() if v}

    def args(self, **changes) -> dict[str, str | int]:
        """Query arguments for a link to this list with `changes` (sort, dir, page, per_page)."""
        values = {**self.filter_args(), "sort": self.sort if self.sort != "name" else "", "dir": "desc" if self.desc else "",
                  "per_page": self.per_page if self.per_page != PER_PAGE else "", "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    def sort_link(self, column: str) -> dict:
        """Arguments for a column header: sort by it, or reverse it when it is the sort already."""
        desc = not self.desc if column == self.sort else column in ("login", "contacts")  # most recent / most first
        return self.args(sort=column if column != "name" else "", dir="desc" if desc else "", page="")

    def aria_sort(self, column: str) -> str | None:
        if column != self.sort:
            return None
        return "descending" if self.desc else "ascending"

    @property
    def filtered(self) -> bool:
        return bool(self.filter_args())

    def describe(self) -> str:
        """The filters in words, in the reader's language, for the list and confirmation pages:
        'matching “ada”, who never logged in' (after "3 attendees")."""
        parts = []
        if self.q:
            parts.append(_("matching “%(query)s”", query=self.q))
        if self.never_logged_in:
            parts.append(_("who never logged in"))
        if self.no_contacts:
            parts.append(_("with no contacts yet"))
        if self.role:
            parts.append(_("organizers only") if self.role == "organizer" else _("attendees only"))
        return _(", ").join(parts) or _("everyone")


@dataclass
class AttendeePage(Paged):
    """One page of an event's attendees matching a ListQuery."""

    rows: list[AttendeeRow]
    total: int
    page: int
    pages: int
    query: ListQuery = field(default_factory=ListQuery)
    never_logged_in: int = 0  # in the whole event, whatever the filters (the login-email button's count)

    @property
    def q(self) -> str:
        return self.query.q

    @property
    def items(self) -> list[Row]:
        return [row.attendee for row in self.rows]


def _contacts_count():
    # Correlated: counted per attendee through the (owner_id, created_at) index.
    return (db.select(func.count(Connection.id)).where(Connection.owner_id == Attendee.id)
            .correlate(Attendee).scalar_subquery())


def _conditions(lq: ListQuery) -> list:
    # The filters as conditions on Attendee: matching() selects by them, _counts counts by them.
    conditions = []
    if lq.q:
        # autoescape: a search for "50%" or "a_b" means those characters, not wildcards.
        conditions.append(
            or_(
                Attendee.name.icontains(lq.q, autoescape=True),
                Attendee.email.icontains(lq.q, autoescape=True),
                Attendee.company.icontains(lq.q, autoescape=True),
            )
        )
    if lq.never_logged_in:
        conditions.append(Attendee.last_login_at.is_(None))
    if lq.no_contacts:
        conditions.append(~db.select(Connection.id).where(Connection.owner_id == Attendee.id).exists())
    if lq.role:
        conditions.append(Attendee.role == lq.role)
    return conditions


def matching(event: Event, q: str | ListQuery):
    """SELECT the event's attendees matching a search (or a whole ListQuery's filters)."""
    lq = q if isinstance(q, ListQuery) else ListQuery(q=q)
    return db.select(Attendee).filter_by(event_id=event.id).where(*_conditions(lq))


def _counts(event: Event, lq: ListQuery) -> tuple[int, int]:
    """(attendees matching lq, attendees who never logged in) of the event, in one statement."""
    # Two scalar subqueries rather than CASE sums over the event's rows: each count gets its own
    # plan (an index-only count of the event, the login index for the never-logged-in).
    of_event = db.select(func.count()).select_from(Attendee).where(Attendee.event_id == event.id)
    total, never_logged_in = db.session.execute(db.select(
        of_event.where(*_conditions(lq)).scalar_subquery(),
        of_event.where(Attendee.last_login_at.is_(None)).scalar_subquery(),
    )).one()
    return int(total), int(never_logged_in)


def _ordered(query, lq: ListQuery):
    key = {
        "name": func.lower(Attendee.name),
        "email": Attendee.email_key,
        "role": Attendee.role,
        # Never logged in sorts as the oldest: last when the most recent come first.
        "login": func.coalesce(Attendee.last_login_at, datetime(1970, 1, 1, tzinfo=timezone.utc)),
        "contacts": _contacts_count(),
    }[lq.sort]
    order = key.desc() if lq.desc else key.asc()
    ties = (func.lower(Attendee.name), Attendee.id) if lq.sort != "name" else (Attendee.id,)
    return query.order_by(order, *ties)


LIST_COLUMNS = (Attendee.id, Attendee.event_id, Attendee.name, Attendee.email, Attendee.company, Attendee.role,
                Attendee.last_login_at, Attendee.profile_updated_at, Attendee.short_code)
# A line of the list as one plain row: only the columns it shows (the profile's JSON columns and
# texts are never read here), and no ORM instance, identity map or event join per attendee, which
# cost more than the page's query. A Bundle is one column to db.paginate, which keeps the first.
_THEIRS = db.select(Connection.id).where(Connection.contact_id == Attendee.id).correlate(Attendee).exists()
# The page's contact counts and "has data" are columns of the page's own query (one round trip
# less than asking for them after): correlated lookups on an index that both databases run for
# the rows of the page only (PostgreSQL postpones them past the sort and LIMIT, SQLite computes
# result columns of the rows it returns).
LIST_ROW = Bundle("attendee", *LIST_COLUMNS, (Attendee.role == "organizer").label("is_organizer"),
                  _contacts_count().label("contacts"), _THEIRS.label("scanned"))


def clean_query(q: str | None) -> str:
    """A search as typed, with runs of space made one and cut to a sane length."""
    return " ".join((q or "").split())[:MAX_QUERY]


def list_attendees(event: Event, lq: ListQuery) -> AttendeePage:
    """One page of the event's attendees matching `lq`, sorted, with each one's contact count.

    Two queries whatever the event's size: the counts (matching, and never logged in for the
    page's button) in one statement, and the page with each row's contact count and "has data".
    """
    total, never = _counts(event, lq)
    per_page = min(max(lq.per_page, 1), max(PAGE_SIZES))
    lq.page = min(lq.page, max(ceil(total / per_page), 1))  # past the end shows the last page, not an empty one
    query = _ordered(db.select(LIST_ROW).where(Attendee.event_id == event.id, *_conditions(lq)), lq)
    # count=False: _counts counted the matches already, with the event's other count.
    pagination = db.paginate(query, page=lq.page, per_page=per_page, max_per_page=max(PAGE_SIZES),
                             error_out=False, count=False)
    pagination.total = total
    rows = [AttendeeRow(a, int(a.contacts), bool(a.contacts) or bool(a.scanned)) for a in pagination.items]
    return AttendeePage(rows=rows, total=total, page=pagination.page, pages=pagination.pages or 1, query=lq,
                        never_logged_in=never)


def contact_counts(ids: list[int]) -> dict[int, int]:
    """attendee id -> how many contacts they have (their own connection rows), for these ids."""
    if not ids:
        return {}
    return dict(db.session.execute(
        db.select(Connection.owner_id, func.count(Connection.id))
        .where(Connection.owner_id.in_(ids)).group_by(Connection.owner_id)
    ).all())


def search_attendees(event: Event, q: str = "", page: int = 1, per_page: int = PER_PAGE) -> AttendeePage:
    """The event's attendees whose name, email or company contains `q`, by name, one page of them."""
    return list_attendees(event, ListQuery(q=clean_query(q), page=page, per_page=per_page))


def has_own_data(attendee: Attendee) -> bool:
    """Whether the attendee has data of their own: a connection either way, so contacts and maybe notes."""
    return db.session.execute(
        db.select(Connection.id)
        .where(or_(Connection.owner_id == attendee.id, Connection.contact_id == attendee.id))
        .limit(1)
    ).first() is not None


def attendees_for_badges(event: Event, ids: list[int] | None = None, q: str | ListQuery = "") -> list[Attendee]:
    """The attendees a badge sheet prints: the given ids of this event, or everyone matching `q`
    (a search, or a ListQuery's filters), by name."""
    query = matching(event, q if isinstance(q, ListQuery) else clean_query(q))
    if ids is not None:
        query = query.where(Attendee.id.in_(ids))
    return list(db.session.execute(query.order_by(func.lower(Attendee.name), Attendee.id)).scalars())


def get_attendee_or_404(event: Event, attendee_id: int) -> Attendee:
    """An attendee of this event by id; an id of another event is as unknown as a made-up one."""
    attendee = db.session.execute(
        db.select(Attendee).filter_by(id=attendee_id, event_id=event.id)
    ).scalar_one_or_none()
    if attendee is None:
        fail(404, "There is no such attendee in this event.")
    return attendee
