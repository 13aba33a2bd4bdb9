"""Event times as people type them: a local date and time in the event's zone, within sane years.

Every time an organizer types (the event's start and end, the scanning window, the digest's
time) goes through here, in the forms and on the command line. The bounds keep arithmetic on
them safe: an end on 9999-12-31 once made "the morning after" overflow Python's datetime and
broke the event's pages and every event's digests.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
# Aware bounds in UTC, a day inside the years so that any zone's offset stays within them.
EARLIEST = datetime(EARLIEST_YEAR, 1, 2, tzinfo=timezone.utc)
LATEST = datetime(LATEST_YEAR, 12, 30, tzinfo=timezone.utc)
OUT_OF_RANGE = f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}."


class TimeInvalid(ValueError):
    """A typed time that cannot be used; the message is for the person."""


def within_bounds(moment: datetime) -> bool:
    """Whether an aware time lies in the years eventnet accepts."""
    return EARLIEST <= moment <= LATEST


def parse_local(raw: str, zone: ZoneInfo, formats: tuple[str, ...] = (LOCAL_FORMAT,)) -> datetime:
    """'2026-12-01T09:00' in `zone` -> an aware datetime; TimeInvalid with a message otherwise.

    Seconds and anything after the minutes are ignored (some browsers send them).
    """
    text = (raw or "").strip()
    for fmt in formats:
        try:
            naive = datetime.strptime(text[:16], fmt)
            break
        except ValueError:
            continue
    else:
        raise TimeInvalid("Enter a date and time like 2026-12-01T09:00.")
    return localize(naive, zone)


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time read in `zone`, checked against the bounds (TimeInvalid)."""
    if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
        raise TimeInvalid(OUT_OF_RANGE)
    moment = naive.replace(tzinfo=zone) if naive.tzinfo is None else naive
    if not within_bounds(moment):
        raise TimeInvalid(OUT_OF_RANGE)
    return moment
