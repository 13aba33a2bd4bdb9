"""Setting and reading the event's look: accent colour and logo, for pages, emails and badges.

Who sees a logo: anyone who sees the event's pages (its login page included), so the logo's URL
is public and cached like a static file; its random key (Event.logo_key, new with every logo)
versions it, so a new logo is a new URL and a removed one answers 404.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy.orm import undefer

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..audit import services as audit
from . import colors
from .colors import Accent
from ..uploaded_images import StoredImage
from .images import process_logo
from .models import EventLogo

KEY_BYTES = 16  # 128 random bits: 22 URL-safe characters
THEME_RULE = 1  # bump when colors.accent_colors derives differently: a new URL for every theme
HEADER_HEIGHT, HEADER_MAX_WIDTH = 32, 128  # CSS px: the logo in the site header
MAIL_HEIGHT, MAIL_MAX_WIDTH = 48, 240  # CSS px: the logo atop an email


def _url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("").build(endpoint, values)


def _fit(width: int, height: int, box_height: int, box_width: int) -> tuple[int, int]:
    """(width, height) in px scaled to `box_height` tall, or narrower when that is too wide."""
    scale = min(box_height / height, box_width / width)
    return max(1, round(width * scale)), max(1, round(height * scale))


# ----------------------------------------------------------------------------- the accent

def accent_of(event: Event | None) -> Accent:
    """The event's accent colours (the default blue without an event or a colour)."""
    if event is None or not event.accent_color:
        return colors.default_accent()
    try:
        return colors.accent_colors(event.accent_color)
    except ValueError:
        # Stored before a stricter rule: the default rather than an unreadable page.
        return colors.default_accent()


def set_accent(event: Event, actor, typed: str) -> str:
    """Store a typed accent colour ("" for the default), log the change; commits.

    Returns the stored "#rrggbb" or "". AccentRefused (colors.check_accent) and nothing changes.
    """
    color = colors.check_accent(typed)
    if color != event.accent_color:
        audit.record(event, actor, "event_updated", changed={"Accent colour": [event.accent_color or "default",
                                                                                  color or "default"]})
        event.accent_color = color
    db.session.commit()
    return color


def theme_css_url(event: Event | None) -> str | None:
    """The stylesheet URL that gives the event's pages its accent, None for the default look."""
    if event is None or not event.accent_color:
        return None
    return _url("branding.theme_css", accent=event.accent_color[1:], rule=THEME_RULE)


# ----------------------------------------------------------------------------- the logo

def new_key() -> str:
    """A fresh, unguessable public name for a logo (22 URL-safe characters)."""
    return secrets.token_urlsafe(KEY_BYTES)


def logo_row(event: Event, *, with_data: bool = False) -> EventLogo | None:
    """The event's logo row (its bytes loaded only when asked), None without a logo."""
    if event.logo_key is None:
        return None
    options = (undefer(EventLogo.data),) if with_data else ()
    return db.session.get(EventLogo, event.id, options=options)


def set_logo(event: Event, actor, data: bytes) -> EventLogo:
    """Make `data` (an uploaded file's bytes) the event's logo, replacing any; commits.

    Checked and re-encoded first (images.process_logo; LogoRefused with its code, and nothing
    changes). A new key, so the old URL answers 404 and no cache shows the old logo.
    """
    processed: StoredImage = process_logo(data)
    row = db.session.get(EventLogo, event.id)
    if row is None:
        row = EventLogo(event_id=event.id)
        db.session.add(row)
    processed.store_in(row)
    row.created_at = utcnow()
    event.logo_key = new_key()
    audit.record(event, actor, "event_updated",
                 changed={"Logo": ["", f"{processed.width} x {processed.height} px PNG, {processed.size // 1024 + 1} KB"]})
    db.session.commit()
    return row


def remove_logo(event: Event, actor) -> bool:
    """Delete the event's logo (its URL answers 404 from now on); False when there was none. Commits."""
    had = event.logo_key is not None
    db.session.execute(db.delete(EventLogo).where(EventLogo.event_id == event.id))
    event.logo_key = None
    if had:
        audit.record(event, actor, "event_updated", changed={"Logo": ["a logo", "none"]})
    db.session.commit()
    return had


def public_logo(slug: str, key: str) -> EventLogo | None:
    """The logo named `key` while it is the current logo of the event `slug`; None otherwise."""
    return db.session.execute(
        db.select(EventLogo).join(Event, Event.id == EventLogo.event_id)
        .where(Event.slug == slug, Event.logo_key == key).options(undefer(EventLogo.data))
    ).scalar_one_or_none()


# ----------------------------------------------------------------------------- on pages

@dataclass(frozen=True)
class PageBrand:
    """What base.html needs: `css_url` (None: the default look), `theme_color` "#rrggbb", and
    the header logo's `logo_url` with its display `logo_width` x `logo_height` CSS px (None, 0,
    0 without a logo)."""

    css_url: str | None
    theme_color: str
    logo_url: str | None = None
    logo_width: int = 0
    logo_height: int = 0


def page_brand(event: Event | None) -> PageBrand:
    """The look of a page of `event` (the default look outside an event): one small query
    (the logo's size) when the event has a logo, none otherwise."""
    accent = accent_of(event)
    brand = PageBrand(css_url=theme_css_url(event), theme_color=accent.light)
    row = logo_row(event) if event is not None else None
    if row is None:
        return brand
    width, height = _fit(row.width, row.height, HEADER_HEIGHT, HEADER_MAX_WIDTH)
    return PageBrand(brand.css_url, brand.theme_color, _url("branding.logo", slug=event.slug, key=event.logo_key),
                     width, height)


# ----------------------------------------------------------------------------- in emails

@dataclass(frozen=True)
class MailBrand:
    """What the email templates need (all fixed when the email is queued): `accent` for buttons
    and links on white with `accent_text` on buttons, and the logo's `logo_cid` (None without
    one) with its display `logo_width` x `logo_height` px."""

    accent: str
    accent_text: str
    logo_cid: str | None = None
    logo_width: int = 0
    logo_height: int = 0


def logo_cid(event_id: int) -> str:
    """The Content-ID (without angle brackets) of an event's logo in its emails.

    One per event rather than per logo: the email is rendered when queued and built when sent,
    and the logo attached is the event's at sending (inline_logo).
    """
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "eventnet"
    return f"event-logo-{event_id}@{host}"


def mail_brand(event: Event | None) -> MailBrand:
    """The look of an email about `event` (the default blue, no logo, outside an event or for
    anything that is not an Event row, such as a sample's stand-in)."""
    if not isinstance(event, Event):
        event = None
    accent = accent_of(event)
    row = logo_row(event) if event is not None else None
    if row is None:
        return MailBrand(accent.light, accent.light_text)
    width, height = _fit(row.width, row.height, MAIL_HEIGHT, MAIL_MAX_WIDTH)
    return MailBrand(accent.light, accent.light_text, logo_cid(event.id), width, height)


@dataclass(frozen=True)
class InlineImage:
    """An image to attach inline: `data` bytes of `content_type`, referenced from the HTML as
    `<img src="cid:{content_id}">` (content_id without angle brackets)."""

    data: bytes
    content_type: str
    content_id: str
    filename: str


def inline_logo(event_id: int | None, html: str) -> tuple[str, list[InlineImage]]:
    """At sending: the HTML and the inline images it refers to (the event's current logo).

    An email queued while the event had a logo that is gone by the time it is sent would show a
    broken image: its <img> is taken out instead.
    """
    if event_id is None:
        return html, []
    cid = logo_cid(event_id)
    if f"cid:{cid}" not in html:
        return html, []
    event = db.session.get(Event, event_id)
    row = logo_row(event, with_data=True) if event is not None else None
    if row is None:
        return re.sub(r'<img[^>]*src="cid:' + re.escape(cid) + r'"[^>]*>', "", html), []
    return html, [InlineImage(row.data, row.content_type, cid, "logo.png")]


# ----------------------------------------------------------------------------- on badges

@dataclass(frozen=True)
class SheetBrand:
    """What a badge sheet prints: `accent` as (r, g, b) floats 0-1 for the colour band, and the
    logo PNG bytes (`logo`, None without one) with its pixel size."""

    accent: tuple[float, float, float]
    logo: bytes | None = None
    logo_width: int = 0
    logo_height: int = 0


def sheet_brand(event: Event) -> SheetBrand | None:
    """The event's look for its badge sheet; None for an event with neither accent nor logo,
    whose badges stay as plain as they always were."""
    if not event.accent_color and event.logo_key is None:
        return None
    accent = accent_of(event).light
    rgb = tuple(int(accent[i:i + 2], 16) / 255 for i in (1, 3, 5))
    row = logo_row(event, with_data=True)
    if row is None:
        return SheetBrand(rgb)  # type: ignore[arg-type]
    return SheetBrand(rgb, row.data, row.width, row.height)  # type: ignore[arg-type]
