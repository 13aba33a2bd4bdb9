"""The form of people to meet: the choice to be suggested. ("Not for me" has no fields: the
suggestion is in its URL, and CSRFProtect checks every POST.)"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from ..forms import PostedForm


class MeetChoiceForm(PostedForm):
    """Turn suggestions on ("1") or off ("0"); each button of the section posts its own value."""

    open = HiddenField(validators=[InputRequired(_l("Choose whether to be suggested.")),
                                   AnyOf(("0", "1"), message=_l("Choose whether to be suggested."))])
    next = HiddenField()  # where to go back to without JavaScript: "home" or "profile"
