"""The forms of promises: track one, "not a promise", done or open again.

The fields only carry what was sent; services.add_promise says why a promise is refused (its
text and due date), so the same rules hold for the note API that the offline queue posts.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from ..forms import PostedForm, stripped
from .models import PROMISE_MAX


class PromiseForm(PostedForm):
    """promise: the text; promise_due: YYYY-MM-DD or ""; suggested: the note's sentence it came from."""

    promise = StringField(_l("I promised"), filters=[stripped])
    promise_due = StringField(_l("Due"), filters=[stripped])
    suggested = HiddenField(filters=[stripped])

    def redisplay(self) -> dict[str, str]:
        """The text and date as typed, to show again with the errors (never more than fits)."""
        return {"promise": (self.promise.data or "")[: PROMISE_MAX + 100], "promise_due": (self.promise_due.data or "")[:10]}


class NotAPromiseForm(PostedForm):
    """sentence: the note's sentence the owner says is not a promise."""

    sentence = HiddenField(filters=[stripped])


class NoteDoneForm(PostedForm):
    """The answer to a promise read in a note (digest link): answer="not_a_promise" leaves it
    alone from now on; anything else marks it done."""

    answer = HiddenField()

    @property
    def not_a_promise(self) -> bool:
        return self.answer.data == "not_a_promise"


class DoneForm(PostedForm):
    """done: "1" marks done, anything else opens again; from: "contact" when shown on a contact page."""

    done = HiddenField()
    shown_in = HiddenField(name="from")  # posted as "from", a Python keyword

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown_in.data = self.shown_in.data if self.shown_in.data == "contact" else "list"
