"""Checking and normalising what a person types into their profile form.

Plain functions rather than a form library: the rules (URLs without a scheme, LinkedIn only,
phone digits, topic lists) are the point, and each message is tied to the field it is about.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..forms import FormInvalid
from .models import NAME_PARTS, SHAREABLE_FIELDS, Attendee

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
LINK_URL_MAX = 300
TOPIC_MAX = 60
PHONE_DIGITS = (6, 20)

LABELS = {
    "name": "Name",
    "name_prefix": "Title",
    "given_name": "Given name",
    "family_name": "Family name",
    "name_suffix": "Suffix",
    "headline": "Headline",
    "company": "Company",
    "bio": "Short bio",
    "phone": "Phone",
    "linkedin": "LinkedIn",
    "website": "Website",
    "can_help_with": "I can help with",
    "looking_for": "I'm looking for",
}

# The form's fields in the order the page shows them: errors are listed, and the first invalid
# field is focused, in this order (parse_profile finds them in another).
FIELD_ORDER = (
    "name", *NAME_PARTS, "headline", "company", "bio", "phone", "linkedin", "website",
    *(f"link{i}_{part}" for i in range(1, EXTRA_LINKS + 1) for part in ("label", "url")),
    "can_help_with", "looking_for",
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_PHONE = re.compile(r"^\+?[0-9 ().\-]+$")


class ProfileInvalid(FormInvalid):
    """The profile form cannot be saved."""

    form_code = "invalid_profile"


def in_page_order(errors: dict[str, str]) -> dict[str, str]:
    """The same messages, in the order their fields appear on the page (FIELD_ORDER)."""
    return {name: errors[name] for name in FIELD_ORDER if name in errors} | errors


@dataclass
class ProfileData:
    """A validated, normalised profile, ready to be stored."""

    name: str
    name_prefix: str = ""
    given_name: str = ""
    family_name: str = ""
    name_suffix: str = ""
    headline: str = ""
    company: str = ""
    bio: str = ""
    phone: str = ""
    linkedin: str = ""
    website: str = ""
    links: list[dict] = field(default_factory=list)
    can_help_with: str = ""
    looking_for: str = ""
    shared_fields: list[str] = field(default_factory=list)


def one_line(value: str | None) -> str:
    """Surrounding space removed, runs of whitespace (newlines included) made one space."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


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


class _BadURL(ValueError):
    pass


# What a host may hold so that a browser reads the same one as urlsplit: ASCII letters, digits,
# dots and hyphens, or non-ASCII letters and digits (an internationalised name). Everything
# else is where the two parsers part: a browser percent-decodes a host, maps full-width dots
# to dots, drops soft hyphens, and reads "\" as "/" (so "evil.example\@linkedin.com" is
# evil.example to a browser and linkedin.com to Python).
_HOST_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_URL_UNSAFE = frozenset('"<>')  # never valid in a URL (RFC 3986); browsers would re-encode them
COMPLETE_URL = "Enter a complete web address, like https://example.org."


def _host_char_ok(ch: str) -> bool:
    return ch in _HOST_ASCII or (not ch.isascii() and unicodedata.category(ch)[0] in "LNM")


def url_problem(url: str) -> str | None:
    """Why an absolute http(s) URL is unfit to be a link, or None when it is fit.

    Unfit: anything that lets a browser see another host than Python's urlsplit does (the
    host is what the LinkedIn check and the reader trust): backslashes, a user name or
    password before the host (`user@host`), percent signs or other punctuation in the host,
    characters a browser would map to something else.
    """
    if any(ch.isspace() for ch in url) or _CONTROL.search(url):
        return "A web address has no spaces."
    if "\\" in url:
        return "A web address has no backslashes (\\): use / instead."
    if any(ch in _URL_UNSAFE for ch in url):
        return "A web address cannot contain double quotes or angle brackets (\" < >)."
    if not url.lower().startswith(("http://", "https://")):
        return "Only web addresses starting with http:// or https:// can be used."
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "A web address cannot have a name or password before the site (the part up to @)."
    try:
        parts.port
    except ValueError:
        return "The port after the site's name (after :) must be a number."
    host = parts.hostname or ""
    if not host:
        return COMPLETE_URL
    if not all(_host_char_ok(ch) for ch in host) or unicodedata.normalize("NFKC", host) != host:
        return "The site's name (after // up to the next /) can hold only letters, digits, dots and hyphens."
    host = host.rstrip(".")
    if "." not in host or host.startswith(".") or ".." in host:
        return COMPLETE_URL
    return None


def normalise_url(value: str) -> str:
    """An http(s) URL from what was typed; 'example.org/x' gets https:// in front. _BadURL with
    the reason when it is not one, or when a browser could read another site from it."""
    text = value.strip()
    if any(ch.isspace() for ch in text) or _CONTROL.search(text):
        raise _BadURL("A web address has no spaces.")
    scheme = _SCHEME.match(text)
    # "example.org:8080/x" looks like a scheme to a parser; a real scheme has no dot in it.
    if "://" in text or (scheme and "." not in scheme.group(1)):
        if not text.lower().startswith(("http://", "https://")):
            raise _BadURL("Only web addresses starting with http:// or https:// can be used.")
    else:
        text = "https://" + text
    problem = url_problem(text)
    if problem:
        raise _BadURL(problem)
    return text


def is_linkedin(url: str) -> bool:
    """Whether a URL (already checked by url_problem) is on linkedin.com."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return host == "linkedin.com" or host.endswith(".linkedin.com")


def shown_url(url: object) -> str | None:
    """A stored URL fit to be shown as a link, or None.

    Profiles saved before url_problem existed may hold URLs that a browser reads as another
    site; they are checked again wherever a stored URL becomes a link, so none is shown.
    """
    text = str(url or "").strip()
    return text if text and len(text) <= LINK_URL_MAX and url_problem(text) is None else None


def _url_error(label: str, raw: str, limit: int) -> tuple[str, str | None]:
    if not raw:
        return "", None
    try:
        url = normalise_url(raw)
    except _BadURL as error:
        return raw, f"{label}: {error}"
    if len(url) > limit:
        return raw, f"{label} is at most {limit} characters ({len(url)} now)."
    return url, None


def _check_phone(raw: str) -> str | None:
    if not raw:
        return None
    if not _PHONE.match(raw):
        return "A phone number has only digits, spaces, a leading + and ( ) - . characters."
    digits = sum(ch.isdigit() for ch in raw)
    low, high = PHONE_DIGITS
    if not low <= digits <= high:
        return f"A phone number has {low} to {high} digits ({digits} now)."
    return None


def form_values(attendee: Attendee) -> dict:
    """The form's initial values: what the attendee has saved."""
    values = {name: getattr(attendee, name) or "" for name in LIMITS}
    links = [link for link in attendee.links or () if isinstance(link, dict)]
    for index in range(1, EXTRA_LINKS + 1):
        link = links[index - 1] if index <= len(links) else {}
        values[f"link{index}_label"] = link.get("label", "")
        values[f"link{index}_url"] = link.get("url", "")
    values["shared"] = set(attendee.shared_fields or ())
    return values


def submitted_values(form: Mapping) -> dict:
    """What was posted, as typed, to re-render an invalid form without losing anything."""
    values = {name: str(form.get(name, "")) for name in LIMITS}
    for index in range(1, EXTRA_LINKS + 1):
        for part in ("label", "url"):
            key = f"link{index}_{part}"
            values[key] = str(form.get(key, ""))
    getlist = getattr(form, "getlist", None)
    shared = getlist("share") if getlist else form.get("share", [])
    values["shared"] = {name for name in shared if name in SHAREABLE_FIELDS}
    return values


def parse_profile(form: Mapping) -> ProfileData:
    """Validate and normalise a posted profile form; ProfileInvalid with per-field messages."""
    data, errors = _checked(form)
    if errors:
        raise ProfileInvalid(errors)
    return data


def preview_profile(form: Mapping) -> ProfileData:
    """What a posted (perhaps half-typed) form would save, for the live card preview: each
    field as parse_profile() would store it, and a field it would refuse left empty, so the
    preview never shows what saving would not."""
    data, errors = _checked(form)
    for name in errors:
        if name.startswith("link"):
            continue  # an invalid extra link is already left out of data.links
        setattr(data, name, "")
    return data


def _checked(form: Mapping) -> tuple[ProfileData, dict[str, str]]:
    """The normalised profile and the messages of the fields that are not fit to save."""
    values = submitted_values(form)
    errors: dict[str, str] = {}

    clean = {name: one_line(values[name]) for name in ("name", *NAME_PARTS, "headline", "company")}
    clean["bio"] = multi_line(values["bio"])
    clean["phone"] = one_line(values["phone"])
    clean["can_help_with"] = normalise_topics(values["can_help_with"])
    clean["looking_for"] = normalise_topics(values["looking_for"])

    if not clean["name"]:
        errors["name"] = "Enter your name: it is the one thing every card shows."
    for name in ("name", *NAME_PARTS, "headline", "company", "bio", "phone", "can_help_with", "looking_for"):
        if name not in errors and len(clean[name]) > LIMITS[name]:
            errors[name] = f"{LABELS[name]} is at most {LIMITS[name]} characters ({len(clean[name])} now)."
    for name in ("can_help_with", "looking_for"):
        long_topic = next((t for t in clean[name].split(", ") if len(t) > TOPIC_MAX), None)
        if name not in errors and long_topic:
            errors[name] = f"Each topic is at most {TOPIC_MAX} characters; separate topics with commas."
    if "phone" not in errors and (message := _check_phone(clean["phone"])):
        errors["phone"] = message

    for name in ("linkedin", "website"):
        clean[name], message = _url_error(LABELS[name], values[name].strip(), LIMITS[name])
        if message:
            errors[name] = message
    if clean["linkedin"] and "linkedin" not in errors and not is_linkedin(clean["linkedin"]):
        errors["linkedin"] = "LinkedIn: enter your linkedin.com address, like linkedin.com/in/your-name."

    links = []
    for index in range(1, EXTRA_LINKS + 1):
        label = one_line(values[f"link{index}_label"])
        raw = values[f"link{index}_url"].strip()
        if len(label) > LINK_LABEL_MAX:
            errors[f"link{index}_label"] = f"A link's label is at most {LINK_LABEL_MAX} characters ({len(label)} now)."
        if label and not raw:
            errors[f"link{index}_url"] = "Add the address of this link, or clear its label."
            continue
        url, message = _url_error(f"Link {index}", raw, LINK_URL_MAX)
        if message:
            errors[f"link{index}_url"] = message
        elif url:
            host = urlsplit(url).hostname or url
            links.append({"label": label or host.removeprefix("www."), "url": url})

    shared = sorted(values["shared"])
    return ProfileData(links=links, shared_fields=shared, **clean), errors
