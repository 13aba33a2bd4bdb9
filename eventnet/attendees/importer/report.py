"""What an import did, or on a dry run would do, row by row."""
from __future__ import annotations

from dataclasses import dataclass, field

from .rows import ParsedRow, shorten

OUTCOMES = ("created", "updated", "unchanged", "skipped", "rejected")


@dataclass
class RowResult:
    """One row in the report: its number, who (values shortened), and why or with what remark.

    `reasons` are why a row was rejected or skipped, or the notes of an imported one.
    """

    row: int
    email: str
    name: str
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, row: ParsedRow) -> RowResult:
        reasons = row.errors or ([row.skip] if row.skip else row.notes)
        return cls(row.row, shorten(row.email), shorten(row.name), list(reasons))


@dataclass
class ImportReport:
    """Rows by outcome: created, updated (a stored value changed), unchanged, skipped, rejected."""

    created: list[RowResult] = field(default_factory=list)
    updated: list[RowResult] = field(default_factory=list)
    unchanged: list[RowResult] = field(default_factory=list)
    skipped: list[RowResult] = field(default_factory=list)
    rejected: list[RowResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """Nothing was rejected (skipped rows are the file's own choice: cancelled, duplicates)."""
        return not self.rejected

    def counts(self) -> dict[str, int]:
        return {outcome: len(getattr(self, outcome)) for outcome in OUTCOMES}
