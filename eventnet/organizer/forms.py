"""Flask-WTF forms of the console's bulk actions: choosing one, and confirming it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired, Optional

from ..confirmation import ConfirmForm  # noqa: F401  (shared with the digests' "start now")
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
