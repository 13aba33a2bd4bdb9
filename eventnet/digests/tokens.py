"""Signed links in follow-up emails: each purpose has its own salt, so no token works for another.

A token is a URLSafeTimedSerializer signature over a few ids; it is not stored anywhere. It
proves that we wrote the link for that attendee (or that contact of theirs), and expires.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..errors import DomainError

DAY = 24 * 60 * 60
# purpose -> (salt, lifetime in seconds)
PURPOSES = {
    # RFC 8058 asks for unsubscribe links that keep working for a long time.
    "unsubscribe": ("eventnet.digests.unsubscribe", 400 * DAY),
    # A mark-done link lives until well after the next reminder (the last one is at 90 days).
    "followup-done": ("eventnet.digests.followup-done", 120 * DAY),
    # The calendar file (no note in it) is wanted while the follow-up is: as long as mark-done.
    "calendar": ("eventnet.digests.calendar", 120 * DAY),
    # A promise is chased by the same reminders as a follow-up: its link lives as long.
    "promise-done": ("eventnet.promises.done", 120 * DAY),
    # A promise the digest read in a note's free text (never tracked): done from the email too.
    "note-promise-done": ("eventnet.promises.note-done", 120 * DAY),
}


class LinkError(DomainError):
    """A signed link we cannot honour: "expired" (410) or "invalid" (404)."""

    MESSAGES = {
        "expired": (410, _l("This link has expired.")),
        "invalid": (404, _l("This link is not one we made, or it was copied incompletely.")),
    }


def _serializer(purpose: str) -> tuple[URLSafeTimedSerializer, int]:
    salt, max_age = PURPOSES[purpose]
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt), max_age


def make_token(purpose: str, *ids: int) -> str:
    """A signed, URL-safe token for `purpose` over the given ids."""
    serializer, _ = _serializer(purpose)
    return serializer.dumps([int(i) for i in ids])


def read_token(purpose: str, token: str, count: int) -> list[int]:
    """The ids a token of `purpose` was made for; LinkError("expired"/"invalid") otherwise."""
    serializer, max_age = _serializer(purpose)
    if not isinstance(token, str) or len(token) > 300:
        raise LinkError("invalid")
    try:
        ids = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(ids, list) or len(ids) != count or not all(isinstance(i, int) for i in ids):
        raise LinkError("invalid")
    return ids
