"""Form fields for an event's times, shared by every feature whose forms take one (the console's
event form, the digests' settings): a time zone typed by name, and a local time read in a zone.

Here, not in organizer/, so that a feature's forms use them without importing the console.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from wtforms import StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from ..i18n.markers import N_
from .models import TIMEZONE_MAX
from .times import LOCAL_FORMAT, NOT_A_TIME, TimeAmbiguous, TimeInvalid, parse_local

ZONE_HINT = N_("Enter a time zone name like Europe/Berlin or America/New_York.")  # translated where raised
UTC = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo | None:
    """The time zone called `name`, None while it is missing, too long or unknown."""
    if not name or len(name) > TIMEZONE_MAX:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def known_zone(form, field):
    """A time zone name the server knows (IANA, e.g. Europe/Berlin)."""
    if zone_named(field.data) is None:
        raise StopValidation(_(ZONE_HINT))


class LocalTimeField(StringField):
    """A datetime-local typed in the form's time zone; `.data` stays as typed (to show it again).

    After validation `.moment` is the aware time (None when left empty) and `.fold_choices` the
    two readings of a time that happens twice, for the person to pick with the `NAME_fold` radio
    ("0" the first, "1" the second: `.fold`).
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        fold = str(formdata.get(f"{self.name}_fold", "")) if formdata is not None else ""
        self.fold = fold if fold in ("0", "1") else None
        self.moment, self.fold_choices = None, []
        super().process(formdata, data, extra_filters)


class LocalTime:
    """A time in 2000–2100 read in the form's `local_zone()` (UTC while that is None), refusing a
    time in a daylight-saving gap and asking which of two equal times (events.times.parse_local).

    `missing`: the message when it is left empty (an optional time has none); `formats`: the
    strptime formats accepted; `not_a_time`: the message for text that is no time at all.
    """

    def __init__(self, missing: str | None = None, formats: tuple[str, ...] = (LOCAL_FORMAT,),
                 not_a_time: str = NOT_A_TIME):
        self.missing, self.formats, self.not_a_time = missing, formats, not_a_time

    def __call__(self, form, field):
        field.moment = None
        if not field.data:
            if self.missing:
                raise StopValidation(self.missing)
            return
        try:
            field.moment = parse_local(field.data, form.local_zone() or UTC, formats=self.formats, fold=field.fold)
        except TimeAmbiguous as ambiguous:
            field.fold_choices = ambiguous.choices
            raise StopValidation(str(ambiguous)) from None
        except TimeInvalid as invalid:
            raise StopValidation(_(str(self.not_a_time)) if str(invalid) == NOT_A_TIME else str(invalid)) from None
