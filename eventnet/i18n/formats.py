"""Dates, times and lists in the selected language, in the event's time zone (Babel's CLDR data).

Templates use them as filters: `{{ e.starts_at | event_date(e) }}`, `{{ moment | event_datetime }}`,
`{{ names | list_of }}`, `{{ moment | local_time("%d %b, %H:%M") }}`, `{{ n | number }}`. Outside an
event (no g.event and none given) times are UTC.

`local_time` takes a strftime-style format only to say WHICH fields to show (weekday, day, month,
year, hour, minute, second): the language's CLDR pattern decides their order, names and
punctuation ("%d %b, %H:%M" is "Dec 5, 23:57", "5. Dez., 23:57", "5 ديسمبر، 23:57"). Hours are
always 24-hour ("%H"), as the pages have always shown them. Nothing on a page or in an email
calls strftime for a person to read; machine formats (CSV exports, <time datetime>, form
values) stay ISO.

Digits: Latin (0-9) in every language, Arabic included. That is CLDR's (and so Babel's)
default numbering system for `ar` (`latn`; Arabic-Indic digits are `ar-EG`'s and a few
regions' default), the digits printed under every badge's QR and typed into the code field,
and what the scanner's JavaScript is told to use too (`Intl` with `numberingSystem: "latn"`),
so a date, a count and a code never mix two sets of digits on one screen.
"""
from __future__ import annotations

from datetime import datetime, timezone

from babel import Locale
from babel.dates import format_interval, format_skeleton, format_time, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask import g
from flask_babel import get_locale

from .languages import DEFAULT_LANGUAGE


def _locale():
    return get_locale() or DEFAULT_LANGUAGE


def _local(moment: datetime, event=None) -> datetime:
    event = event if event is not None else g.get("event")
    return event.local(moment) if event is not None else moment.astimezone(timezone.utc)


def event_date(moment: datetime | None, event=None) -> str:
    """"Dec 1, 2026" / "1. Dez. 2026" / "1 ديسمبر 2026": the day of `moment` where the event is."""
    if moment is None:
        return ""
    local = _local(moment, event)
    return format_skeleton("yMMMd", local, tzinfo=local.tzinfo, locale=_locale())


def event_datetime(moment: datetime | None, event=None) -> str:
    """"Tue, Dec 1, 9:00 AM" / "Di., 1. Dez., 09:00": weekday, day and time where the event is."""
    if moment is None:
        return ""
    local, locale = _local(moment, event), _locale()
    day = format_skeleton("MMMEd", local, tzinfo=local.tzinfo, locale=locale)
    time = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    # The language's own way of joining a date and a time ("{1}, {0}", "{1} 'um' {0}"...).
    return get_datetime_format("short", locale=locale).replace("{1}", day).replace("{0}", time).replace("'", "")


def _joined(day: str, time: str, width: str) -> str:
    # The language's own way of joining a date and a time ("{1}, {0}", "{1}، {0}"...).
    locale = _locale()
    return get_datetime_format(width, locale=locale).replace("{1}", day).replace("{0}", time).replace("'", "")


def event_time(moment: datetime | None, event=None, *, seconds: bool = False) -> str:
    """"23:57" (or "23:57:08"): the time of day where the event is, on the 24-hour clock of a console."""
    if moment is None:
        return ""
    local = _local(moment, event)
    return format_skeleton("Hms" if seconds else "Hm", local, tzinfo=local.tzinfo, locale=_locale())


def event_day_time(moment: datetime | None, event=None) -> str:
    """"Dec 5, 23:57" / "5. Dez., 23:57" / "5 ديسمبر، 23:57": a recent moment, day and time, where the event is."""
    if moment is None:
        return ""
    local = _local(moment, event)
    day = format_skeleton("MMMd", local, tzinfo=local.tzinfo, locale=_locale())
    return _joined(day, event_time(moment, event), "short")


def event_timestamp(moment: datetime | None, event=None) -> str:
    """"Dec 5, 2026, 23:57:08" / "5. Dez. 2026, 23:57:08": a log entry's moment to the second."""
    if moment is None:
        return ""
    local = _local(moment, event)
    day = format_skeleton("yMMMd", local, tzinfo=local.tzinfo, locale=_locale())
    return _joined(day, event_time(moment, event, seconds=True), "medium")


def weekday_time(local: datetime) -> str:
    """"Tue 09:00" / "Di., 09:00": an hour of the event's days (the dashboard's chart), `local`
    already in the event's zone (it is not converted)."""
    return format_skeleton("EHm", local, tzinfo=local.tzinfo, locale=_locale())


def number(value: int | float) -> str:
    """"1,000" / "1.000" / "1 000": a count as the language groups its digits."""
    return format_decimal(value, locale=_locale())


def percent(value: int | float) -> str:
    """"42%" / "42 %": a share given in percent (42 for 42 %)."""
    return format_percent(value / 100, locale=_locale())


def list_of(items) -> str:
    """"a, b and c" / "a, b und c" / "a، b و c"."""
    items = [str(item) for item in items]
    return format_list(items, locale=_locale()) if items else ""


def event_date_range(start: datetime, end: datetime, event=None) -> str:
    """"May 1 – 2, 2026" / "1.–2. Mai 2026": the event's days where it is (one date for one day)."""
    first, last = _local(start, event), _local(end, event)
    if first.date() == last.date():
        return event_date(start, event)
    return format_interval(first.date(), last.date(), "yMMMd", locale=_locale())


# strftime directive -> CLDR skeleton field: which fields to show; the order is the language's.
_DATE_FIELDS = {"a": "E", "A": "EEEE", "d": "d", "e": "d", "b": "MMM", "h": "MMM", "B": "MMMM", "m": "M",
                "Y": "y", "y": "y"}
_TIME_FIELDS = {"H": "H", "I": "H", "M": "m", "S": "s"}
# CLDR skeletons list their fields in this canonical order.
_ORDER = "yMEdHms"


def _skeleton(fmt: str, fields: dict[str, str]) -> str:
    found = {fields[part[:1]] for part in fmt.split("%")[1:] if part[:1] in fields}
    return "".join(sorted(found, key=lambda field: _ORDER.index(field[0])))


def format_moment(local: datetime, fmt: str, locale=None) -> str:
    """`local` (already in its zone) with the fields strftime's `fmt` names, in CLDR's pattern for the language."""
    locale = locale or _locale()
    date_part, time_part = _skeleton(fmt, _DATE_FIELDS), _skeleton(fmt, _TIME_FIELDS)
    both = date_part + time_part
    skeletons = Locale.parse(locale).datetime_skeletons
    if both in skeletons:  # "EHm": the language's own "Sat 23:57" / "Sa., 23:57"
        return format_skeleton(both, local, tzinfo=local.tzinfo, locale=locale)
    day = format_skeleton(date_part, local, tzinfo=local.tzinfo, locale=locale) if date_part else ""
    time = format_skeleton(time_part, local, tzinfo=local.tzinfo, locale=locale) if time_part else ""
    if day and time:
        # The language's own way of joining a date and a time ("{1}, {0}", "{1}، {0}"...).
        return get_datetime_format("medium", locale=locale).replace("{1}", day).replace("{0}", time).replace("'", "")
    return day or time


def local_time(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M", event=None) -> str:
    """A UTC `moment` where the event is (UTC outside one), with the fields `fmt` names, in the language (module doc)."""
    if moment is None:
        return ""
    return format_moment(_local(moment, event), fmt)

