"""The one error of a file that cannot be imported at all."""
from __future__ import annotations


class CSVError(ValueError):
    """The file as a whole cannot be imported; `code` is stable, the message says what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
