"""Web addresses on profiles: reading what a person typed as an http(s) URL, refusing one a
browser would read as another site, and checking a stored one again before it becomes a link.

The profile form (forms.py) uses these to check what is typed; cards, vCards, exports and
digests use shown_url() and is_linkedin() on what is stored.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask_babel import gettext as _

from ..i18n.markers import N_

LINK_URL_MAX = 300  # the profile's extra links; linkedin and website columns hold as much

COMPLETE_URL = N_("Enter a complete web address, like https://example.org.")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")

# What a host may hold so that a browser reads the same one as urlsplit: ASCII letters, digits,
# dots and hyphens, or non-ASCII letters and digits (an internationalised name). Everything
# else is where the two parsers part: a browser percent-decodes a host, maps full-width dots
# to dots, drops soft hyphens, and reads "\" as "/" (so "evil.example\@linkedin.com" is
# evil.example to a browser and linkedin.com to Python).
_HOST_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_URL_UNSAFE = frozenset('"<>')  # never valid in a URL (RFC 3986); browsers would re-encode them


class BadURL(ValueError):
    """What was typed is not a web address fit to be a link; str() is the reason, for the person."""


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
        return _("A web address has no spaces.")
    if "\\" in url:
        return _("A web address has no backslashes (\\): use / instead.")
    if any(ch in _URL_UNSAFE for ch in url):
        return _("A web address cannot contain double quotes or angle brackets (\" < >).")
    if not url.lower().startswith(("http://", "https://")):
        return _("Only web addresses starting with http:// or https:// can be used.")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return _("A web address cannot have a name or password before the site (the part up to @).")
    try:
        parts.port
    except ValueError:
        return _("The port after the site's name (after :) must be a number.")
    host = parts.hostname or ""
    if not host:
        return _(COMPLETE_URL)
    if not all(_host_char_ok(ch) for ch in host) or unicodedata.normalize("NFKC", host) != host:
        return _("The site's name (after // up to the next /) can hold only letters, digits, dots and hyphens.")
    host = host.rstrip(".")
    if "." not in host or host.startswith(".") or ".." in host:
        return _(COMPLETE_URL)
    return None


def normalise_url(value: str) -> str:
    """An http(s) URL from what was typed; 'example.org/x' gets https:// in front. BadURL with
    the reason when it is not one, or when a browser could read another site from it."""
    text = value.strip()
    if any(ch.isspace() for ch in text) or _CONTROL.search(text):
        raise BadURL(_("A web address has no spaces."))
    scheme = _SCHEME.match(text)
    # "example.org:8080/x" looks like a scheme to a parser; a real scheme has no dot in it.
    if "://" in text or (scheme and "." not in scheme.group(1)):
        if not text.lower().startswith(("http://", "https://")):
            raise BadURL(_("Only web addresses starting with http:// or https:// can be used."))
    else:
        text = "https://" + text
    problem = url_problem(text)
    if problem:
        raise BadURL(problem)
    return text


def is_linkedin(url: str) -> bool:
    """Whether a URL (already checked by url_problem) is on linkedin.com."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return host == "linkedin.com" or host.endswith(".linkedin.com")


def site_of(url: str) -> str:
    """The site a checked URL is on, without "www." ("https://www.github.com/x" -> "github.com")."""
    return (urlsplit(url).hostname or url).removeprefix("www.")


def shown_url(url: object) -> str | None:
    """A stored URL fit to be shown as a link, or None.

    Profiles saved before url_problem existed may hold URLs that a browser reads as another
    site; they are checked again wherever a stored URL becomes a link, so none is shown.
    """
    text = str(url or "").strip()
    return text if text and len(text) <= LINK_URL_MAX and url_problem(text) is None else None
