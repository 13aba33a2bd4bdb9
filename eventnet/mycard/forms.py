"""The forms of "Who has my card": what one holder gets, taking it back, and the expiry.

The validators carry the rules (fields of the card only, the offered expiries only); a refused
value is a 422 with the message.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, ValidationError

from ..attendees.models import CARD_EXPIRY_MONTHS, SHAREABLE_FIELDS
from ..forms import PostedForm, stripped

FIELDS_HINT = _l("Choose only among the fields of your card.")
EXPIRY_HINT = _l("Choose when your shared details expire: never, or 3, 6, 12 or 24 months after the event.")


def _card_fields_only(form, field):
    if any(value not in SHAREABLE_FIELDS for value in field.data or ()):
        raise ValidationError(FIELDS_HINT)


class CardFieldsForm(PostedForm):
    """fields: the card's fields this holder gets (checkboxes); defaults="1": my profile's defaults."""

    fields = SelectMultipleField(choices=SHAREABLE_FIELDS, validate_choice=False,
                                 validators=[_card_fields_only])
    defaults = HiddenField()

    @property
    def chosen(self) -> list[str]:
        """The ticked fields in the card's order."""
        return [name for name in SHAREABLE_FIELDS if name in (self.fields.data or ())]


class TakeBackForm(PostedForm):
    """confirm="1" once the person confirmed on the page that asks."""

    confirm = HiddenField()


class ExpiryForm(PostedForm):
    """months: "never" (or empty) or one of CARD_EXPIRY_MONTHS, as text."""

    months = StringField(filters=[stripped], validators=[
        AnyOf(("", "never", *(str(m) for m in CARD_EXPIRY_MONTHS)), message=EXPIRY_HINT)])

    @property
    def value(self) -> int | None:
        return int(self.months.data) if self.months.data.isdigit() else None
