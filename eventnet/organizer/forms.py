"""Flask-WTF forms of the console: the event's details (administrators create events with them,
organizers and administrators edit them), and the bulk actions (choosing one, confirming it).

The validators carry the rules and say why a value is refused; the services behind the forms
keep their own checks for the command line.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Optional, StopValidation

from ..attendees.models import ROLES
from ..confirmation import ConfirmForm  # noqa: F401  (shared with the digests' "start now")
from ..events.forms import LocalTime, LocalTimeField, known_zone, zone_named
from ..events.services import SLUG_RULE, slug_ok
from ..forms import EMAIL_MAX, MaxChars, PostedForm, one_line, squashed, stripped
from ..i18n.forms import shipped_language
from .attendees import LIMITS as ATTENDEE_LIMITS
from .attendees import AttendeeInput
from .bulk import ACTIONS
from .settings import LIMITS as EVENT_LIMITS
from .settings import EventInput


# ----------------------------------------------------------------------------- the event's details

def _slug(form, field):
    if not slug_ok(field.data.lower()):
        raise StopValidation(_(SLUG_RULE))


class EventDetailsForm(PostedForm):
    """Name, venue, time zone, start and end: the rules for creating and for editing an event."""

    name = StringField(_l("Name"), filters=[squashed], validators=[
        MaxChars(EVENT_LIMITS["name"]), DataRequired(_l("Enter the event's name."))])
    venue = StringField(_l("Venue"), filters=[squashed], validators=[MaxChars(EVENT_LIMITS["venue"])])
    timezone = StringField(_l("Time zone"), filters=[squashed],
                           validators=[MaxChars(EVENT_LIMITS["timezone"]), known_zone])
    starts_at = LocalTimeField(_l("Starts"), filters=[squashed], validators=[LocalTime(_l("Enter when the event starts."))])
    ends_at = LocalTimeField(_l("Ends"), filters=[squashed], validators=[LocalTime(_l("Enter when the event ends."))])

    def local_zone(self) -> ZoneInfo | None:
        """The zone the times are typed in: the form's own, None while it is not a known one."""
        return zone_named(self.timezone.data)

    def validate(self, extra_validators=None) -> bool:
        """Each field's rules, then (when they all pass) the rules between fields."""
        if not super().validate(extra_validators):
            return False
        return not self.cross_errors()

    def cross_errors(self) -> bool:
        """Add the messages of rules between fields; whether there were any."""
        if self.ends_at.moment <= self.starts_at.moment:
            self.ends_at.errors.append(_("The event must end after it starts."))
            return True
        return False


class NewEventForm(EventDetailsForm):
    """An administrator's new event: its short address too."""

    slug = StringField(_l("Short address"), filters=[squashed], validators=[_slug])


class EventForm(EventDetailsForm):
    """An event's details with its scanning window (organizer/settings.update_event saves it)."""

    scan_opens_at = LocalTimeField(_l("Scanning opens"), filters=[squashed], validators=[LocalTime()])
    scan_closes_at = LocalTimeField(_l("Scanning closes"), filters=[squashed], validators=[LocalTime()])
    # Optional in the post (a form without it keeps the event's language), one of ours if sent.
    default_language = StringField(_l("Default language"), filters=[squashed], validators=[shipped_language])

    def cross_errors(self) -> bool:
        found = super().cross_errors()
        opens, closes = self.scan_opens_at.moment, self.scan_closes_at.moment
        if opens and closes and closes <= opens:
            self.scan_closes_at.errors.append(_("Scanning must close after it opens."))
            found = True
        return found

    def event_input(self) -> EventInput:
        """The validated details for settings.update_event."""
        return EventInput(name=self.name.data, venue=self.venue.data, timezone=self.timezone.data,
                          default_language=self.default_language.data or None,
                          **{name: self[name].moment for name in ("starts_at", "ends_at", "scan_opens_at",
                                                                  "scan_closes_at")})


# ----------------------------------------------------------------------------- an attendee, by hand

def _email_address(form, field):
    try:
        validate_email(field.data, check_deliverability=False)
    except EmailNotValidError as exc:
        raise StopValidation(_("This is not an email address: %(reason)s", reason=exc)) from None


def _text(limit_name: str, *validators):
    return StringField(filters=[one_line], validators=[MaxChars(ATTENDEE_LIMITS[limit_name]), *validators])


class AttendeeForm(PostedForm):
    """The organizer's form to add or edit one attendee (attendees.add_attendee / update_attendee).

    The rules the database alone knows (the email taken in this event, an organizer changing their
    own role) stay in those services.
    """

    email = _text("email", DataRequired(_l("Enter the attendee's email address: it is how they log in.")), _email_address)
    name = _text("name", DataRequired(_l("Enter the attendee's name: it is printed on the badge.")))
    name_prefix = _text("name_prefix")
    given_name = _text("given_name")
    family_name = _text("family_name")
    name_suffix = _text("name_suffix")
    company = _text("company")
    headline = _text("headline")
    role = StringField(default="attendee", validators=[AnyOf(ROLES, message=_l("Choose attendee or organizer."))])

    def attendee_input(self) -> AttendeeInput:
        """The validated form for the services."""
        return AttendeeInput(role=self.role.data, **{name: self[name].data for name in ATTENDEE_LIMITS})


# ----------------------------------------------------------------------------- bulk actions


class BulkActionForm(PostedForm):
    """The bar above the attendee table (a GET: it only leads to a confirmation page or a file).

    Shape: action one of bulk.ACTIONS, scope "selected" (the ticked `ids`) or "matching" (everyone
    the list's filters match; the filters ride along as q, never, nocontacts, role).
    """

    class Meta:
        csrf = False  # a GET that changes nothing; the confirmation's POST carries the token

    # Plain fields checked against the allowed values: the template draws the buttons and radios.
    action = StringField(validators=[InputRequired(), AnyOf(ACTIONS)])
    scope = StringField(default="selected", validators=[Optional(), AnyOf(("selected", "matching"))])


# ----------------------------------------------------------------------------- administration

def _admin_address(form, field):
    # Loose on purpose: a link goes out only to an address set on the server.
    if not field.data or "@" not in field.data or len(field.data) > EMAIL_MAX:
        raise StopValidation(_("Enter the administrator's email address, like root@example.org."))


class AdminLoginForm(PostedForm):
    """An administrator's address, to send a login link to (auth.request_admin_login)."""

    email = StringField(filters=[squashed], validators=[_admin_address])


class OrganizerForm(PostedForm):
    """An address to make an organizer of an event, with a name for someone new (admin.add_organizer).

    Whether the address is new (and so needs the name) only the database knows: that rule stays
    in the service.
    """

    email = StringField(filters=[stripped], validators=[
        MaxChars(EMAIL_MAX, _l("An email address is at most %(max)d characters.", max=EMAIL_MAX)), _email_address])
    name = StringField(filters=[squashed], validators=[MaxChars(120, _l("A name is at most %(max)d characters.", max=120))])
