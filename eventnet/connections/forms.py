"""The forms of a contact's page that are not the note: the private keep-in-touch switch.

The note itself is read by NoteInput (notes.py), shared with the JSON API the offline queue
posts to.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from ..forms import PostedForm

WANTED_HINT = _l("Say whether you would like to stay in touch (wanted=1) or not (wanted=0).")


class KeepInTouchForm(PostedForm):
    """wanted: "1" to mark "I'd like to stay in touch", "0" to take the mark back."""

    wanted = HiddenField(validators=[InputRequired(WANTED_HINT), AnyOf(("0", "1"), message=WANTED_HINT)])
