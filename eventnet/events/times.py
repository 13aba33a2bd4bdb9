"""Event times as people type them: a local date and time in the event's zone, within sane years.

Every time an organizer types (the event's start and end, the scanning window, the digest's
time) goes through here, in the forms and on the command line.

- The bounds keep arithmetic on them safe: an end on 9999-12-31 once made "the morning after"
  overflow Python's datetime and broke the event's pages and every event's digests.
- Daylight-saving time: a local time in the spring gap (02:30 on the night Europe/Berlin jumps
  from 02:00 to 03:00) does not exist and is refused, never moved silently to 03:30; a time in
  the autumn overlap happens twice, and the person says which (PEP 495's `fold`: 0 the first,
  1 the second), never picked silently.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..i18n.markers import N_

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
# Aware bounds in UTC, a day inside the years so that any zone's offset stays within them.
EARLIEST = datetime(EARLIEST_YEAR, 1, 2, tzinfo=timezone.utc)
LATEST = datetime(LATEST_YEAR, 12, 30, tzinfo=timezone.utc)
OUT_OF_RANGE = f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}."  # i18n-lint: ignore (models' ValueError)
NOT_A_TIME = N_("Enter a date and time like 2026-12-01T09:00.")  # the forms translate it


class TimeInvalid(ValueError):
    """A typed time that cannot be used; the message is for the person."""


class TimeAmbiguous(TimeInvalid):
    """A local time that happens twice (the autumn change).

    `choices`: (fold, label) pairs to pick from; `offsets`: the two UTC offsets, "+02:00" style.
    """

    def __init__(self, message: str, choices: list[tuple[str, str]], offsets: tuple[str, str]):
        super().__init__(message)
        self.choices, self.offsets = choices, offsets


def _offset(moment: datetime) -> str:
    """'+02:00' for a time two hours ahead of UTC."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def within_bounds(moment: datetime) -> bool:
    """Whether an aware time lies in the years eventnet accepts."""
    return EARLIEST <= moment <= LATEST


def parse_local(raw: str, zone: ZoneInfo, formats: tuple[str, ...] = (LOCAL_FORMAT,),
                fold: str | None = None) -> datetime:
    """'2026-12-01T09:00' in `zone` -> an aware datetime; TimeInvalid with a message otherwise.

    Seconds and anything after the minutes are ignored (some browsers send them). `fold` ("0",
    "1") says which of two equal wall times is meant; TimeAmbiguous asks for it when needed.
    """
    text = (raw or "").strip()
    for fmt in formats:
        try:
            naive = datetime.strptime(text[:16], fmt)
            break
        except ValueError:
            continue
    else:
        raise TimeInvalid(NOT_A_TIME)
    return localize(naive, zone, fold)


def localize(naive: datetime, zone: ZoneInfo, fold: str | int | None = None) -> datetime:
    """A local time read in `zone`: checked against the bounds and daylight-saving time.

    An aware time (a typed offset, "2026-10-25 02:30+01:00") is taken as it is. Raises
    TimeInvalid (out of range, or in a spring gap) or TimeAmbiguous (in an autumn overlap
    without `fold`).
    """
    if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
        raise TimeInvalid(_out_of_range())
    if naive.tzinfo is not None:
        moment = naive.astimezone(zone)
    else:
        first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
        wall = naive.strftime("%Y-%m-%d %H:%M")
        if first.utcoffset() != second.utcoffset():
            # In a gap the wall time does not come back from UTC; in an overlap it does, twice.
            if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != naive:
                raise TimeInvalid(_(
                    "%(time)s does not exist in %(zone)s: the clocks skip that hour when summer time starts. "
                    "Choose a time before or after it.", time=wall, zone=zone.key))
            if str(fold) not in ("0", "1"):
                clock = f"{naive:%H:%M}"
                raise TimeAmbiguous(
                    _("%(time)s happens twice in %(zone)s, when the clocks go back: say which one you mean.",
                      time=wall, zone=zone.key),
                    [("0", _("The first %(time)s (UTC%(offset)s, before the clocks go back)", time=clock,
                             offset=_offset(first))),
                     ("1", _("The second %(time)s (UTC%(offset)s, after the clocks go back)", time=clock,
                             offset=_offset(second)))],
                    (_offset(first), _offset(second)))
            moment = second if str(fold) == "1" else first
        else:
            moment = first
    if not within_bounds(moment):
        raise TimeInvalid(_out_of_range())
    return moment


def _out_of_range() -> str:
    """OUT_OF_RANGE in the language of the request (English on the command line)."""
    return _("Choose a date between %(first)s and %(last)s.", first=EARLIEST_YEAR, last=LATEST_YEAR)
