"""The look page's two forms (Flask-WTF): the accent colour, and the logo upload.

The fields only carry what was sent; the rules live in colors.check_accent and
images.process_logo, which say why a value is refused. CSRF is checked app-wide (CSRFProtect),
and the form's own check then accepts the token it already checked.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length

from ..forms import PostedForm


class AccentForm(PostedForm):
    """accent_color: "#rrggbb", "#rgb" or "" (the default blue); checked by colors.check_accent."""

    accent_color = StringField(_l("Accent colour"), validators=[Length(max=32)])


class LogoForm(PostedForm):
    """logo: the uploaded file (a werkzeug FileStorage, None when none was chosen)."""

    logo = FileField(_l("Logo"))
