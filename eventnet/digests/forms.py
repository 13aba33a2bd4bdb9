"""Flask-WTF forms of the digests: the organizer's digest settings and test send, and the
attendee's own choice of digest and reminders.

The validators carry the rules and say why a value is refused; the services save what they
validated.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, StringField
from wtforms.validators import AnyOf, StopValidation

from ..events.forms import LocalTime, LocalTimeField
from ..events.models import Event
from ..events.times import LOCAL_FORMAT
from ..forms import EMAIL_MAX, PostedForm, squashed, stripped
from . import sample
from .services import NO_CONTACTS_CHOICES, REMINDER_DAYS_MAX, DigestError, DigestSettings

DAYS_MAX_CHARS = 40


def _reminder_days(form, field):
    """Up to four numbers of days 1–365, separated by commas (or semicolons); sets `field.days`."""
    field.days = []
    if len(field.data) > DAYS_MAX_CHARS:
        raise StopValidation(_("Give at most four numbers of days, like 30, 90."))
    try:
        days = sorted({int(part) for part in field.data.replace(";", ",").split(",") if part.strip()})
    except ValueError:
        raise StopValidation(
            _("Give numbers of days separated by commas, like 30, 90 (or nothing for no reminders).")) from None
    if any(not 1 <= day <= 365 for day in days) or len(days) > REMINDER_DAYS_MAX:
        raise StopValidation(_("Give at most four numbers between 1 and 365, like 30, 90."))
    field.days = days


def _reply_to(form, field):
    """An email address (normalized in `.data`), or nothing."""
    if not field.data:
        return
    try:
        address = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError:
        raise StopValidation(_("Give an email address like team@example.org, or leave it empty.")) from None
    if len(address) > EMAIL_MAX:
        raise StopValidation(_("The address is at most %(max)s characters.", max=EMAIL_MAX))
    field.data = address


class DigestSettingsForm(PostedForm):
    """When the digest goes out (in the event's zone; empty for the default), what attendees without
    contacts get, the reminders' days after the event, and where replies go."""

    digest_at = LocalTimeField(filters=[lambda value: stripped(value)[:40]], validators=[LocalTime(
        formats=(LOCAL_FORMAT, "%Y-%m-%d %H:%M"),
        not_a_time=_l("Give a date and time like 2026-05-02 09:00, or leave it empty for the default."))])
    no_contacts = StringField(filters=[lambda value: value or "matches"], validators=[
        AnyOf(NO_CONTACTS_CHOICES, message=_l("Choose what attendees without contacts get."))])
    reminder_days = StringField(filters=[stripped], validators=[_reminder_days])
    reply_to = StringField(filters=[squashed], validators=[_reply_to])

    def __init__(self, event: Event, *args, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def local_zone(self):
        """Times are typed in the event's zone."""
        return self.event.tz

    def digest_settings(self) -> DigestSettings:
        """The validated settings for services.update_digest_settings."""
        return DigestSettings(digest_at=self.digest_at.moment, no_contacts=self.no_contacts.data,
                              reminder_days=self.reminder_days.days, reply_to=self.reply_to.data)


class TestSendForm(PostedForm):
    """Which sample digest to email the organizer: for an attendee with contacts or without."""

    variant = StringField(filters=[lambda value: str(value or "contacts")[:20]], validators=[
        AnyOf(sample.VARIANTS, message=DigestError.MESSAGES["unknown_variant"][1])])


class LastValueCheckbox(Field):
    """A checkbox posted after a hidden "0" of the same name, so that an unticked box is sent too:
    the last value counts (ticked: "1")."""

    def process_formdata(self, valuelist):
        self.data = valuelist[-1:] == ["1"]


class PreferencesForm(PostedForm):
    """An attendee's choice: the follow-up digest, and the keep-in-touch reminders."""

    digest = LastValueCheckbox()
    reminders = LastValueCheckbox()


class FollowupDoneForm(PostedForm):
    """done: "1" marks my follow-up with a contact done; anything else opens it again."""

    done = HiddenField()


class UnsubscribeForm(PostedForm):
    """scope: "reminders" (only the keep-in-touch reminders) or anything else: all follow-up email.

    Anything but "reminders" means all: a mail provider's one-click POST (RFC 8058) sends only
    List-Unsubscribe=One-Click, and must unsubscribe from everything the link was for."""

    scope = HiddenField()

    @property
    def value(self) -> str:
        return "reminders" if self.scope.data == "reminders" else "all"
