"""Flask-WTF forms of the attendee's login: the email address to send a link to, and the typed code.

The code is checked by auth.services.redeem_code (a wrong one counts against the address there).
"""
from __future__ import annotations

from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import StopValidation

from ..forms import EMAIL_MAX, PostedForm, stripped

CODE_MAX = 20


def _login_address(form, field):
    # Loose on purpose: an unknown address gets the same answer as a known one (no enumeration).
    email = field.data
    if not email:
        raise StopValidation(_("Enter the email address you registered with."))
    if len(email) > EMAIL_MAX:
        raise StopValidation(_("An email address has at most %(count)s characters.", count=EMAIL_MAX))
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in email):
        raise StopValidation(_("Enter a complete email address, like name@example.org."))


class LoginForm(PostedForm):
    """The address to email a login link and code to."""

    email = StringField(filters=[stripped], validators=[_login_address])


class CodeForm(PostedForm):
    """The address again and the code from the login email (each cut to its field's length)."""

    email = StringField(filters=[lambda value: stripped(value)[:EMAIL_MAX]])
    code = StringField(filters=[lambda value: str(value if value is not None else "")[:CODE_MAX]])
