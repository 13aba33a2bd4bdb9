"""The one error of a file that cannot be imported at all."""
from __future__ import annotations

from ...errors import DomainError


class CSVError(DomainError):
    """The file as a whole cannot be imported (422); `code` is stable, the message says what to do."""

    default_status = 422
