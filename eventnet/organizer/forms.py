"""Flask-WTF forms of the console's bulk actions: choosing one, and confirming it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from .bulk import ACTIONS


class BulkActionForm(FlaskForm):
    """The bar above the attendee table (a GET: it only leads to a confirmation page or a file).

    Shape: action one of bulk.ACTIONS, scope "selected" (the ticked `ids`) or "matching" (everyone
    the list's filters match; the filters ride along as q, never, nocontacts, role).
    """

    class Meta:
        csrf = False  # a GET that changes nothing; the confirmation's POST carries the token

    # Plain fields checked against the allowed values: the template draws the buttons and radios.
    action = StringField(validators=[InputRequired(), AnyOf(ACTIONS)])
    scope = StringField(default="selected", validators=[Optional(), AnyOf(("selected", "matching"))])


class ConfirmForm(FlaskForm):
    """A mass action's confirmation: the signed token of what the page showed (bulk.sign), and for a
    removal the phrase typed by hand ("remove 12")."""

    token = HiddenField(validators=[InputRequired()])
    typed = StringField("Type the words shown to confirm", validators=[Optional(), Length(max=40)])
