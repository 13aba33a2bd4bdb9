"""The scanner's form: the short code typed under a badge's QR (the camera's fallback)."""
from __future__ import annotations

from wtforms import HiddenField, StringField

from ..forms import PostedForm


class CodeForm(PostedForm):
    """code: as typed (services.exchange_by_code reads and checks it); q: the search the code was
    typed on, when it was (None, not "", when the form came from the scanner page); client_uuid:
    the phone's scan id, if any."""

    code = StringField()
    q = StringField()
    client_uuid = HiddenField()
