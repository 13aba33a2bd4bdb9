"""Confirming a mass action: the signed token of what the confirmation page showed, and the hold window.

Every mass action (a bulk action on the attendee list, the digests' "start now") is confirmed on a
page that names the exact number of people. The page carries a signed token of (action, event,
selection, count); the POST acts only when the token is valid and the count is still the one
shown. Mass emails are queued held (MASS_MAIL_HOLD_SECONDS) so that they can be cancelled before
any leaves. Shared by the console's bulk actions (organizer.bulk) and the digests' control, so
that neither feature imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional

from .attendees.finder import ListQuery
from .errors import DomainError
from .events.models import Event
from .forms import PostedForm

MAX_IDS = 500  # ticked on one page: at most 50; a crafted URL gets no more than this
MAX_REMOVE = 1000  # one removal deletes this many at most (each is a whole account)
CONFIRM_MAX_AGE = 30 * 60  # a confirmation page older than this must be opened again
HOLD_DEFAULT = 60


class BulkError(DomainError):
    """A bulk action that cannot be done as asked; the message says why."""

    default_status = 409
    MESSAGES = {
        "nobody_selected": (422, _l("Tick at least one attendee, or choose “everyone matching the filter”.")),
        "unknown_action": (400, _l("Choose one of the actions above the list.")),
        "confirmation_expired": (409, _l("This confirmation is no longer valid (it is older than 30 minutes or "
                                         "belongs to another page): nothing was done. Check the number again below.")),
        "count_changed": (409, _l("The list changed since the page was shown: nothing was done. Check the new "
                                  "number below and confirm again.")),
        "not_typed": (422, _l("Type the confirmation exactly as shown to remove them: nothing was removed.")),
        "too_many": (422, _l("At most %(max)s attendees can be removed at once: narrow the filter.",
                             max=f"{MAX_REMOVE:,}")),
        "window_over": (409, _l("Too late to cancel: the emails have started going out.")),
    }


def hold_seconds() -> int:
    """How long mass emails wait after they are queued, so that they can be cancelled (a setting)."""
    return int(current_app.config.get("MASS_MAIL_HOLD_SECONDS", HOLD_DEFAULT))


@dataclass
class Selection:
    """Who a bulk action is for: ticked ids of this event, or everyone matching the list's filters.

    Shape: ids [3, 7] and filters ignored, or ids None and filters a ListQuery (search, flags, role).
    """

    ids: list[int] | None
    filters: ListQuery

    @classmethod
    def from_args(cls, args) -> "Selection":
        """The bulk form's scope, ticked ids and the list's filters; BulkError when nobody is chosen."""
        filters = ListQuery.from_args(args)
        if args.get("scope") == "matching":
            return cls(None, filters)
        ids = sorted({int(v) for v in args.getlist("ids")[:MAX_IDS] if v.isdigit() and len(v) < 12})
        if not ids:
            raise BulkError("nobody_selected")
        return cls(ids, filters)

    def to_token(self) -> dict:
        return {"ids": self.ids, "f": self.filters.filter_args()}

    @classmethod
    def from_token(cls, data: dict) -> "Selection":
        return cls(data.get("ids"), ListQuery.from_args(_Args(data.get("f") or {})))

    def args(self) -> dict:
        """Query arguments that name this selection again (the badge page, a link back)."""
        if self.ids is not None:
            return {"ids": self.ids, "scope": "selected"}
        return {**self.filters.filter_args(), "scope": "matching"}

    def describe(self, count: int) -> str:
        """'the 3 ticked attendees' or 'all 120 attendees matching “ada”, who never logged in', in
        the reader's language."""
        if self.ids is not None:
            return ngettext("the %(num)d ticked attendee", "the %(num)d ticked attendees", count)
        if not self.filters.filtered:
            return ngettext("the %(num)d attendee", "all %(num)d attendees", count)
        return ngettext("the %(num)d attendee %(filters)s", "all %(num)d attendees %(filters)s", count,
                        filters=self.filters.describe())

    def stored(self, count: int) -> dict:
        """Who it was for, as an audit entry keeps it: `who` in English (stored details stay one
        language) and the selection itself, so that the log describes it in its reader's language."""
        with force_locale("en"):
            return {"who": self.describe(count), "selection": self.to_token()}


class _Args(dict):
    """A dict that answers getlist like request.args (for a selection read back from a token)."""

    def getlist(self, key):
        value = self.get(key)
        return value if isinstance(value, list) else ([] if value is None else [value])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="eventnet.organizer.bulk-confirm")


def sign(event: Event, action: str, selection: Selection, people: int) -> str:
    """The confirmation page's token: this action, on this selection of this event, for `people`."""
    return _serializer().dumps({"a": action, "e": event.id, "n": people, **selection.to_token()})


def verify(event: Event, action: str, token: str) -> tuple[Selection, int]:
    """The selection and count a confirmation page showed; BulkError("confirmation_expired") if not ours."""
    try:
        data = _serializer().loads(str(token or ""), max_age=CONFIRM_MAX_AGE)
    except BadSignature:
        raise BulkError("confirmation_expired") from None
    if not isinstance(data, dict) or data.get("a") != action or data.get("e") != event.id:
        raise BulkError("confirmation_expired")
    return Selection.from_token(data), int(data.get("n", -1))


class ConfirmForm(PostedForm):
    """A mass action's confirmation: the signed token of what the page showed (sign), and for a
    removal the phrase typed by hand ("remove 12")."""

    token = HiddenField(validators=[InputRequired()])
    typed = StringField(_l("Type the words shown to confirm"), validators=[Optional(), Length(max=40)])
