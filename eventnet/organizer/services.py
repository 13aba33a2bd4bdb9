"""What the organizer pages read and do: the attendee list, help-desk actions on one attendee."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, or_

from ..attendees.models import Attendee
from ..auth.services import LoginLink, create_login_link
from ..badges.services import reissue_badge
from ..errors import fail
from ..events.models import Event
from ..extensions import db

PER_PAGE = 50
MAX_QUERY = 100


@dataclass
class AttendeePage:
    """One page of an event's attendees matching a search."""

    items: list[Attendee]
    total: int
    page: int
    pages: int
    q: str

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_page(value: str | None) -> int:
    """A page number from the query string; anything that is not a positive number is page 1."""
    try:
        page = int(value or "1")
    except ValueError:
        return 1
    return max(page, 1)


def search_attendees(event: Event, q: str = "", page: int = 1, per_page: int = PER_PAGE) -> AttendeePage:
    """The event's attendees whose name, email or company contains `q`, by name, one page of them."""
    q = " ".join(q.split())[:MAX_QUERY]
    query = db.select(Attendee).filter_by(event_id=event.id)
    if q:
        # autoescape: a search for "50%" or "a_b" means those characters, not wildcards.
        query = query.where(
            or_(
                Attendee.name.icontains(q, autoescape=True),
                Attendee.email.icontains(q, autoescape=True),
                Attendee.company.icontains(q, autoescape=True),
            )
        )
    total = db.session.execute(db.select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(ceil(total / per_page), 1)
    page = min(page, pages)  # past the end shows the last page rather than an empty one
    items = (
        db.session.execute(
            query.order_by(func.lower(Attendee.name), Attendee.id).limit(per_page).offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return AttendeePage(items=list(items), total=total, page=page, pages=pages, q=q)


def get_attendee_or_404(event: Event, attendee_id: int) -> Attendee:
    """An attendee of this event by id; an id of another event is as unknown as a made-up one."""
    attendee = db.session.execute(
        db.select(Attendee).filter_by(id=attendee_id, event_id=event.id)
    ).scalar_one_or_none()
    if attendee is None:
        fail(404, "There is no such attendee in this event.")
    return attendee


def reissue_attendee_badge(event: Event, attendee_id: int) -> Attendee:
    """Give an attendee of this event a new badge token (lost badge); the old QR stops working."""
    attendee = get_attendee_or_404(event, attendee_id)
    reissue_badge(attendee)  # commits
    return attendee


def helpdesk_login_link(event: Event, attendee_id: int) -> tuple[Attendee, LoginLink]:
    """A one-time login link and code for an attendee standing at the help desk."""
    attendee = get_attendee_or_404(event, attendee_id)
    link = create_login_link(attendee)
    db.session.commit()
    return attendee, link
