"""Saving an attendee's language."""
from __future__ import annotations

from ..extensions import db
from .languages import shipped


def set_language(attendee, code: str | None) -> None:
    """Remember `attendee`'s language: a shipped code, or None for "as my browser asks"; commits.

    Raises ValueError for a code eventnet does not ship (the form refuses it first).
    """
    if code is not None and shipped(code) is None:
        raise ValueError(f"not a shipped language: {code!r}")
    attendee.language = code
    db.session.commit()
