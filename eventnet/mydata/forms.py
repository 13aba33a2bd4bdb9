"""Flask-WTF form of my data: the typed confirmation that deletes my account for the event."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import StopValidation

from ..attendees.models import Attendee
from ..forms import PostedForm
from .services import CONFIRM_MAX, AccountError, confirmation_matches


class DeleteAccountForm(PostedForm):
    """DELETE (any case) or the attendee's own email address, typed by hand (cut to CONFIRM_MAX)."""

    confirm = StringField(filters=[lambda value: str(value if value is not None else "")[:CONFIRM_MAX]])

    def __init__(self, attendee: Attendee, *args, **kwargs):
        self.attendee = attendee
        super().__init__(*args, **kwargs)

    def validate_confirm(self, field):
        if not confirmation_matches(self.attendee, field.data):
            raise StopValidation(str(AccountError.MESSAGES["not_confirmed"][1]))
