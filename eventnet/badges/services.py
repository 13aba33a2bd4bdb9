"""Badge tokens: finding their owner, replacing a lost badge, and the absolute badge URL."""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, select

from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from ..errors import DomainError
from ..extensions import db
from .models import BadgeImage, RevokedBadge
from .tokens import new_badge_token, new_short_code, normalise_short_code

# The alphabet of secrets.token_urlsafe, up to the column's length. Checking it first keeps
# junk (a NUL byte, which PostgreSQL refuses in text) from ever reaching the database.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BadgeError(DomainError):
    """A badge token that leads to nobody: `unknown_badge` (404) or `revoked_badge` (410)."""

    MESSAGES = {
        "unknown_badge": (404, _l("Unknown badge"),
                          _l("This badge is not known. Check that the address was copied completely, "
                             "or ask its owner to show the QR on their phone.")),
        "revoked_badge": (410, _l("Badge replaced"),
                          _l("This badge was replaced by a new one, so it no longer works. "
                             "Ask its owner to show their current QR.")),
    }


# Built once, so that SQLAlchemy finds their compiled forms in its cache (badge pages and
# exchanges look tokens up on every request).
_BY_TOKEN = select(Attendee).where(Attendee.badge_token == bindparam("token"))
# The badge's owner and, in the same round trip, the viewer's connection to them (their copy of
# the owner's card, if any): the badge page needs both, and on PostgreSQL each query is a round
# trip to the server.
_BY_TOKEN_WITH_COPY = select(Attendee, Connection).outerjoin(
    Connection, and_(Connection.owner_id == bindparam("viewer_id"), Connection.contact_id == Attendee.id),
).where(Attendee.badge_token == bindparam("token"))
_REVOKED = select(RevokedBadge.badge_token).where(RevokedBadge.badge_token == bindparam("token"))


def valid_token(token: object) -> bool:
    """Whether `token` could be a badge token at all (checked before any query)."""
    return isinstance(token, str) and TOKEN_RE.fullmatch(token) is not None


def missing_badge_error(token: str) -> BadgeError:
    """The error for a token that is nobody's current badge: `revoked_badge` or `unknown_badge`."""
    # Telling "replaced" from "unknown" helps the person holding an old printed badge.
    if valid_token(token) and db.session.execute(_REVOKED, {"token": token}).first() is not None:
        return BadgeError("revoked_badge")
    return BadgeError("unknown_badge")


def find_by_token(token: str) -> Attendee:
    """The attendee whose current badge this token is; BadgeError if unknown or replaced."""
    if not valid_token(token):
        raise BadgeError("unknown_badge")
    attendee = db.session.execute(_BY_TOKEN, {"token": token}).scalar_one_or_none()
    if attendee is not None:
        return attendee
    raise missing_badge_error(token)


def find_with_copy(token: str, viewer: Attendee | None) -> tuple[Attendee, Connection | None]:
    """find_by_token, and the viewer's connection to the badge's owner (None without a viewer or
    a connection), in one query; BadgeError if the token is unknown or replaced."""
    if viewer is None:
        return find_by_token(token), None
    if not valid_token(token):
        raise BadgeError("unknown_badge")
    row = db.session.execute(_BY_TOKEN_WITH_COPY, {"token": token, "viewer_id": viewer.id}).first()
    if row is None:
        raise missing_badge_error(token)
    return row[0], row[1]


def _unused_short_code(event_id: int) -> str:
    while True:
        code = new_short_code()
        if not db.session.execute(db.select(Attendee.id).filter_by(event_id=event_id, short_code=code)).first():
            return code


def reissue_badge(attendee: Attendee) -> str:
    """Replace the badge (lost or leaked): revoke the old token, issue a new token and short code; commits."""
    old = attendee.badge_token
    db.session.add(RevokedBadge(badge_token=old, attendee_id=attendee.id, revoked_at=utcnow()))
    # The old QR must stop being served at once; the new one is rendered on first request.
    db.session.execute(delete(BadgeImage).where(BadgeImage.badge_token == old))
    attendee.badge_token = new_badge_token()
    attendee.short_code = _unused_short_code(attendee.event_id)
    db.session.commit()
    return attendee.badge_token


def find_by_short_code(event: Event, typed: str) -> Attendee | None:
    """The attendee of this event whose badge shows this code, forgiving case, spaces and dashes."""
    code = normalise_short_code(typed or "")
    if not code or len(code) > 16:
        return None
    return db.session.execute(
        db.select(Attendee).filter_by(event_id=event.id, short_code=code)
    ).scalar_one_or_none()


def badge_url(attendee: Attendee) -> str:
    """The absolute URL a badge's QR holds: BASE_URL from config, never the request's host."""
    # A Host header is chosen by the client; a printed QR must point at the real deployment.
    return f"{current_app.config['BASE_URL']}/b/{attendee.badge_token}"
