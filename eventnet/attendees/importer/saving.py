"""Writing the importable rows of a read file, and the report of what each row became."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from ...events.models import Event
from ...extensions import db
from ..services import CREATED, UPDATED, AttendeeFields, upsert_attendees
from .report import ImportReport, RowResult

if TYPE_CHECKING:
    from . import ParsedCSV


def _apply(event: Event, parsed: ParsedCSV, dry_run: bool) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    valid = parsed.valid_rows
    # One read of the event's attendees and batched writes: row-at-a-time lookups and flushes
    # made a 20,000-row file take seconds per thousand rows.
    outcomes = iter(upsert_attendees(
        event,
        [AttendeeFields(r.email, r.name, company=r.company, headline=r.headline, role=r.role,
                        name_prefix=r.name_prefix, given_name=r.given_name, family_name=r.family_name,
                        name_suffix=r.name_suffix) for r in valid],
        dry_run=dry_run,
    ))  # one per importable row, in file order
    for row in parsed.rows:
        result = RowResult.of(row)
        if row.rejected:
            report.rejected.append(result)
        elif row.skipped:
            report.skipped.append(result)
        else:
            outcome = next(outcomes)
            {CREATED: report.created, UPDATED: report.updated}.get(outcome, report.unchanged).append(result)
    return report


def import_rows(event: Event, parsed: ParsedCSV, dry_run: bool = False) -> ImportReport:
    """Create or update the importable rows in one transaction; on a dry run, only say what would happen."""
    try:
        report = _apply(event, parsed, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return report
    except IntegrityError:
        # Someone else (a second import, a sign-up) created one of these people meanwhile:
        # run once more, and that row becomes an update.
        db.session.rollback()
        report = _apply(event, parsed, dry_run)
        db.session.commit()
        return report
