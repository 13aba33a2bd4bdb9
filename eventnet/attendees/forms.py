"""The attendee's own profile form, as a Flask-WTF form whose filters and validators carry the rules.

Filters normalise what is typed (one line or several, topic lists, stripped addresses); the
validators refuse what cannot be saved, each with a message for its own field. The fields are
declared in the order the page shows them: errors are listed, and the first invalid field is
focused, in that order (errors_of keeps the form's order).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, StopValidation

from ..forms import PostedForm, one_line
from .links import LINK_URL_MAX, BadURL, is_linkedin, normalise_url, site_of
from .models import NAME_PARTS, SHAREABLE_FIELDS, Attendee
from .services import ProfileData

# Matching the model's columns; bio is Text, so its limit is ours: "short" means short.
LIMITS = {
    "name": 120,
    "name_prefix": 40,
    "given_name": 120,
    "family_name": 120,
    "name_suffix": 40,
    "headline": 160,
    "company": 120,
    "bio": 1000,
    "phone": 40,
    "linkedin": 300,
    "website": 300,
    "can_help_with": 500,
    "looking_for": 500,
}
EXTRA_LINKS = 3
LINK_LABEL_MAX = 40
TOPIC_MAX = 60
PHONE_DIGITS = (6, 20)
# A field typed past its limit comes back whole to be trimmed; a hostile megabyte does not.
ECHO_MAX = 4000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ().\-]+$")


# ----------------------------------------------------------------------------- filters

def multi_line(value: str | None) -> str:
    """Line breaks kept (as LF), other control characters dropped, outer space trimmed."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\t", " "))
    # More than one empty line in a row only makes a card longer.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def normalise_topics(value: str | None) -> str:
    """'Python ,  data   eng,,python' -> 'Python, data eng' (case-insensitive duplicates dropped)."""
    seen: set[str] = set()
    topics = []
    for part in (value or "").split(","):
        topic = one_line(part)
        if topic and topic.casefold() not in seen:
            seen.add(topic.casefold())
            topics.append(topic)
    return ", ".join(topics)


def stripped(value: str | None) -> str:
    """Surrounding space removed; an address is checked whole, its inner spaces refused."""
    return (value or "").strip()


def known_shares(names: list[str] | None) -> list[str]:
    """The ticked share boxes that name a shareable field, sorted; anything else is dropped unsaid."""
    return sorted({name for name in names or () if name in SHAREABLE_FIELDS})


# ----------------------------------------------------------------------------- validators

class AtMost:
    """At most `limit` characters after the field's filters; stops the field's other checks.

    `message` (lazy, translated when said) gets the field's label, the limit and the count.
    """

    def __init__(self, limit: int, message: str | None = None):
        self.limit, self.message = limit, message

    def __call__(self, form, field):
        count = len(field.data or "")
        if count > self.limit:
            message = self.message or _l("%(label)s is at most %(limit)s characters (%(count)s now).")
            raise StopValidation(str(message) % {"label": field.label.text, "limit": self.limit, "count": count})


def short_topics(form, field):
    """Each topic of a comma-separated list fits on a card."""
    if any(len(topic) > TOPIC_MAX for topic in (field.data or "").split(", ")):
        raise StopValidation(_("Each topic is at most %(max)s characters; separate topics with commas.", max=TOPIC_MAX))


def phone_number(form, field):
    """Digits with the usual punctuation and an optional leading +, 6 to 20 digits."""
    if not field.data:
        return
    if not _PHONE.match(field.data):
        raise StopValidation(_("A phone number has only digits, spaces, a leading + and ( ) - . characters."))
    digits = sum(ch.isdigit() for ch in field.data)
    low, high = PHONE_DIGITS
    if not low <= digits <= high:
        raise StopValidation(_("A phone number has %(low)s to %(high)s digits (%(count)s now).", low=low, high=high, count=digits))


class WebAddress:
    """An http(s) address a browser reads as the same site we do (links.normalise_url); typed
    without a scheme it gets https://. On success `field.data` is the address to store.
    Messages start with `name` ("LinkedIn: A web address has no spaces.")."""

    def __init__(self, name: str, limit: int):
        self.name, self.limit = name, limit

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            url = normalise_url(field.data)
        except BadURL as error:
            raise StopValidation(_("%(field)s: %(problem)s", field=self.name, problem=error)) from None
        if len(url) > self.limit:
            raise StopValidation(_("%(label)s is at most %(limit)s characters (%(count)s now).", label=self.name,
                                    limit=self.limit, count=len(url)))
        field.data = url


def on_linkedin(form, field):
    """A LinkedIn address is on linkedin.com (after WebAddress)."""
    if field.data and not is_linkedin(field.data):
        raise StopValidation(_("LinkedIn: enter your linkedin.com address, like linkedin.com/in/your-name."))


def address_for_label(form, field):
    """An extra link with a label has an address too."""
    if form[field.name.replace("_url", "_label")].data and not field.data:
        raise StopValidation(_("Add the address of this link, or clear its label."))


# ----------------------------------------------------------------------------- the form

def _text(label: str, name: str, *validators, filters=(one_line,)) -> StringField:
    # The length first: a 500-character phone number is too long before it is a bad number.
    return StringField(label, filters=list(filters), validators=[AtMost(LIMITS[name]), *validators])


def _address(label: str, name: str, *validators) -> StringField:
    return StringField(label, filters=[stripped], validators=[WebAddress(label, LIMITS[name]), *validators])


def _link_label(index: int) -> StringField:
    return StringField(_l("Link %(number)s label", number=index), filters=[one_line], validators=[
        AtMost(LINK_LABEL_MAX, _l("A link's label is at most %(limit)s characters (%(count)s now)."))])


def _link_url(index: int) -> StringField:
    return StringField(_l("Link %(number)s address", number=index), filters=[stripped], validators=[
        address_for_label, WebAddress(_l("Link %(number)s", number=index), LINK_URL_MAX)])


class ProfileForm(PostedForm):
    """What an attendee tells about themselves and what they share (services.update_profile).

    Build it with ProfileForm() for what was posted, ProfileForm.of(attendee) for what is saved.
    """

    name = _text(_l("Name"), "name", DataRequired(_l("Enter your name: it is the one thing every card shows.")))
    name_prefix = _text(_l("Title"), "name_prefix")
    given_name = _text(_l("Given name"), "given_name")
    family_name = _text(_l("Family name"), "family_name")
    name_suffix = _text(_l("Suffix"), "name_suffix")
    headline = _text(_l("Headline"), "headline")
    company = _text(_l("Company"), "company")
    bio = _text(_l("Short bio"), "bio", filters=(multi_line,))
    phone = _text(_l("Phone"), "phone", phone_number)
    linkedin = _address("LinkedIn", "linkedin", on_linkedin)
    website = _address(_l("Website"), "website")
    # Explicit pairs rather than a FieldList: the page, profile.js and tests post these names.
    link1_label, link1_url = _link_label(1), _link_url(1)
    link2_label, link2_url = _link_label(2), _link_url(2)
    link3_label, link3_url = _link_label(3), _link_url(3)
    can_help_with = _text(_l("I can help with"), "can_help_with", short_topics, filters=(normalise_topics,))
    looking_for = _text(_l("I'm looking for"), "looking_for", short_topics, filters=(normalise_topics,))
    # Unknown names are dropped, not refused: a stale page may offer a switch that is gone.
    share = SelectMultipleField(_l("Share"), choices=SHAREABLE_FIELDS, validate_choice=False, filters=[known_shares])

    @classmethod
    def of(cls, attendee: Attendee) -> ProfileForm:
        """The form filled with what the attendee has saved (never with what a request posted)."""
        links = [link for link in attendee.links or () if isinstance(link, dict)]
        data: dict = {"share": list(attendee.shared_fields or ())}
        for index, link in enumerate(links[:EXTRA_LINKS], start=1):
            data[f"link{index}_label"], data[f"link{index}_url"] = link.get("label", ""), link.get("url", "")
        return cls(formdata=None, obj=attendee, data=data)

    def values(self) -> dict:
        """What the page shows in each box: as typed (as saved for `of`), and the ticked `shared` set."""
        values = {field.name: _typed(field) for field in self if field.name not in ("csrf_token", "share")}
        values["shared"] = set(self.share.data or ())
        return values

    def profile_data(self) -> ProfileData:
        """The normalised profile to store; after validate() (which normalises the addresses).

        An extra link is kept when it has a valid address (labelled with its site when its
        label was left empty); a field with an error is left empty, so that what a half-typed
        form would show (the preview) is never what saving would refuse.
        """
        values = {name: "" if self[name].errors else self[name].data for name in (
            "name", *NAME_PARTS, "headline", "company", "bio", "phone", "linkedin", "website",
            "can_help_with", "looking_for")}
        links = []
        for index in range(1, EXTRA_LINKS + 1):
            label, url = self[f"link{index}_label"], self[f"link{index}_url"]
            if url.data and not (label.errors or url.errors):
                links.append({"label": label.data or site_of(url.data), "url": url.data})
        return ProfileData(links=links, shared_fields=list(self.share.data or ()), **values)


def _typed(field) -> str:
    if field.raw_data:
        return str(field.raw_data[0])[:ECHO_MAX]
    return "" if field.data is None else str(field.data)
