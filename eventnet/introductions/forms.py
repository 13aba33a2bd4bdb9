"""The forms of introductions: asking for one, answering one, taking none."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from ..forms import PostedForm
from .models import REASON_MAX


class IntroduceForm(PostedForm):
    """Whom to introduce the contact to (one of my other contacts, by my connection id) and why."""

    other = SelectField(_l("Introduce them to"), coerce=int, validate_choice=True,
                        validators=[InputRequired(_l("Choose one of your contacts."))])
    reason = TextAreaField(_l("Why they should meet"), validators=[
        InputRequired(_l("Write a line on why they should meet.")),
        Length(max=REASON_MAX, message=_l("Keep the reason to %(max)s characters.", max=REASON_MAX))])

    def __init__(self, choices: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.other.choices = choices
        self.other.validate_choice = True


class AnswerForm(PostedForm):
    """Accept or decline: each button posts its own value."""

    answer = HiddenField(validators=[InputRequired(_l("Accept or decline.")),
                                     AnyOf(("accept", "decline"), message=_l("Accept or decline."))])


class OptOutForm(PostedForm):
    """Take introductions ("1") or not ("0")."""

    take = HiddenField(validators=[InputRequired(_l("Choose whether to take introductions.")),
                                   AnyOf(("0", "1"), message=_l("Choose whether to take introductions."))])
