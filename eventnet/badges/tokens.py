"""Random badge tokens and the short codes printed under the QR."""
from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a person copying a code off a badge in bad light cannot confuse them.
SHORT_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
SHORT_CODE_LENGTH = 7  # 25**7 ≈ 6e9 codes: collisions within one event are rare and retried


def new_badge_token() -> str:
    """192 random bits, URL-safe: unguessable, and unrelated to the attendee's id or email."""
    return secrets.token_urlsafe(24)


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalise_short_code(typed: str) -> str:
    """What a person typed, as a code: case, spaces and dashes forgiven."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())
