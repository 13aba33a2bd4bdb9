"""The event's accent colour: parsed, checked for contrast, and turned into the four colours a page uses.

Plain functions on colour strings (no Flask, no database), so the rule can be tested directly.

Where the accent is used (static/css/app.css): as link and text colour (links, the current tab,
secondary buttons, chips) on the page background and on cards, and as the background of primary
buttons with `--accent-text` on top, in light mode and in dark mode. So each mode needs:

- accent against the page and card surfaces: at least 4.5:1, text (WCAG 2.2 SC 1.4.3 Contrast
  (Minimum), https://www.w3.org/WAI/WCAG22/Understanding/contrast-minimum). That also covers
  button and chip borders, which need 3:1 (SC 1.4.11 Non-text Contrast).
- accent-text against the accent: at least 4.5:1 (a button's label is text).

Contrast is the WCAG 2.x ratio (L1 + 0.05) / (L2 + 0.05) of relative luminances, each from
the sRGB channels linearised with the formula and constants of the WCAG definition of
"relative luminance" (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance).

The rule we chose, and why:

- **Light mode: the organizer's colour exactly, or a refusal.** The colour is their brand, and
  it is what the emails and badges print: silently shifting it would surprise them on the
  first poster they hold up next to the app. A colour too light for text on the light page
  (yellow, pastel, light grey) is refused with the nearest darker shade of the same hue that
  passes, offered as a one-click choice (AccentRefused.suggestion).
- **Dark mode: derived, never refused.** Nobody picks a dark-mode colour, and no colour that
  passes on a light page can pass on a dark one (4.5:1 against #f6f7f9 needs a luminance of at
  most 0.17, against #1a1d23 at least 0.23). So the dark variant is the same hue made lighter
  until it reaches DARK_TARGET on the dark surfaces; the settings page shows it.
- The text on a button is white or near-black, whichever contrasts more with the accent (with a
  passing accent, white always reaches 4.5:1 in light mode and near-black in dark mode).

Lightening and darkening move the HSL lightness only, keeping hue and saturation: every sRGB
channel grows with HSL lightness, so luminance does too, and the nearest passing shade is found by
walking the lightness in small steps.
"""
from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import DomainError

DEFAULT_ACCENT = "#0b57d0"  # the eventnet blue of app.css
# The surfaces the accent sits on (app.css): the page background and cards, light and dark.
LIGHT_SURFACES = ("#f6f7f9", "#ffffff")
DARK_SURFACES = ("#0f1115", "#1a1d23")
WHITE, NEAR_BLACK_LIGHT, NEAR_BLACK_DARK = "#ffffff", "#111418", "#0f1115"
TEXT_MIN = 4.5  # SC 1.4.3, normal-size text
# The dark variant aims above the minimum: thin link text on a dimmed phone screen at night
# reads better with a margin, and the default dark accent (#8ab4f8) is about 8:1.
DARK_TARGET = 6.0

_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class AccentRefused(DomainError):
    """A typed accent colour that is not a colour, or too light for text on the light page.

    `suggestion` is the nearest passing shade ("#rrggbb") when the colour was readable but too
    light, None when it was not a colour at all.
    """

    default_status = 422

    def __init__(self, code: str, message: str, suggestion: str | None = None):
        super().__init__(code, message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class Accent:
    """The colours of one accent, each "#rrggbb": `light` on light surfaces with `light_text`
    on it, `dark` on dark surfaces with `dark_text` on it; `contrast` is light's worst ratio
    against the light surfaces, `dark_contrast` dark's against the dark ones."""

    light: str
    light_text: str
    dark: str
    dark_text: str
    contrast: float
    dark_contrast: float


def parse_hex(value: str) -> str | None:
    """'#0B57D0', '0b57d0' or '#05c' -> '#0b57d0'; None for anything else (spaces around are fine)."""
    match = _HEX.fullmatch((value or "").strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgb)


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb", 0.0 (black) to 1.0 (white)."""
    def linear(channel: float) -> float:
        # The WCAG text says 0.03928; the sRGB standard's 0.04045 differs in no 8-bit value.
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two "#rrggbb" colours, 1.0 to 21.0 (order does not matter).

    #767676 on #ffffff is 4.54 (the lightest grey that passes AA on white).
    """
    a, b = relative_luminance(first), relative_luminance(second)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def worst_contrast(color: str, surfaces: tuple[str, ...]) -> float:
    """The lowest contrast of `color` against any of `surfaces`."""
    return min(contrast_ratio(color, surface) for surface in surfaces)


def _with_lightness(color: str, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*_rgb(color))
    return _hex(colorsys.hls_to_rgb(h, lightness, s))


def _shift_until(color: str, surfaces: tuple[str, ...], target: float, step: float) -> str:
    """The first shade of `color`'s hue, walking HSL lightness by `step` (negative: darker),
    whose worst contrast against `surfaces` reaches `target`; black or white at the end."""
    _, lightness, _ = colorsys.rgb_to_hls(*_rgb(color))
    while 0.0 <= lightness <= 1.0:
        shade = _with_lightness(color, lightness)
        if worst_contrast(shade, surfaces) >= target:
            return shade
        lightness += step
    return "#000000" if step < 0 else "#ffffff"


def nearest_passing(color: str) -> str:
    """The lightest shade of `color`'s hue that reaches 4.5:1 on the light surfaces ("#rrggbb");
    the colour itself when it already does."""
    return _shift_until(color, LIGHT_SURFACES, TEXT_MIN, -0.002)


def _text_on(color: str, candidates: tuple[str, str]) -> str:
    return max(candidates, key=lambda text: contrast_ratio(color, text))


# Every page of an event works out its accent (branding.services.page_brand): the same few
# colours each time, and Accent is frozen.
@lru_cache(maxsize=256)
def accent_colors(color: str) -> Accent:
    """All four colours for a passing accent "#rrggbb" (see the module's rule); ValueError when
    `color` does not reach 4.5:1 on the light surfaces (check_accent says so politely)."""
    contrast = worst_contrast(color, LIGHT_SURFACES)
    if contrast < TEXT_MIN:
        raise ValueError(f"{color} is {contrast:.2f}:1 on the light surfaces")
    dark = _shift_until(color, DARK_SURFACES, DARK_TARGET, +0.002)
    return Accent(
        light=color, light_text=_text_on(color, (WHITE, NEAR_BLACK_LIGHT)),
        dark=dark, dark_text=_text_on(dark, (NEAR_BLACK_DARK, WHITE)),
        contrast=round(contrast, 2), dark_contrast=round(worst_contrast(dark, DARK_SURFACES), 2),
    )


def _ratio(value: float, pattern: str = "0.00") -> str:
    """A contrast ratio as the reader's language writes a decimal ("4.5", "4,5")."""
    return format_decimal(value, pattern, locale=get_locale() or "en")


def check_accent(value: str) -> str:
    """A typed accent -> "#rrggbb" ready to store, or "" for the default; AccentRefused otherwise.

    Codes: not_a_color (not #rrggbb or #rgb), too_light (under 4.5:1 against the light page;
    `suggestion` is nearest_passing()).
    """
    if not (value or "").strip():
        return ""
    color = parse_hex(value)
    if color is None:
        raise AccentRefused("not_a_color", _("Enter a colour as # and six hex digits, like #0b57d0, or pick one."))
    ratio = worst_contrast(color, LIGHT_SURFACES)
    if ratio < TEXT_MIN:
        suggestion = nearest_passing(color)
        raise AccentRefused(
            "too_light",
            _("%(color)s is too light for text on the light page: %(ratio)s:1 where links and buttons need at least "
              "%(minimum)s:1 (WCAG 2.2, 1.4.3). The nearest darker shade that passes is %(suggestion)s (%(better)s:1).",
              color=color, ratio=_ratio(ratio), minimum=_ratio(TEXT_MIN, "0.0"), suggestion=suggestion,
              better=_ratio(worst_contrast(suggestion, LIGHT_SURFACES))),
            suggestion=suggestion,
        )
    return color


@cache
def default_accent() -> Accent:
    """The eventnet blue with app.css's own dark-mode colours (used when no accent is set)."""
    return Accent(light=DEFAULT_ACCENT, light_text=WHITE, dark="#8ab4f8", dark_text="#0b1a33",
                  contrast=round(worst_contrast(DEFAULT_ACCENT, LIGHT_SURFACES), 2),
                  dark_contrast=round(worst_contrast("#8ab4f8", DARK_SURFACES), 2))


def theme_css(accent: Accent) -> str:
    """A stylesheet that overrides app.css's --accent and --accent-text, light and dark.

    Built only from an Accent, whose fields are "#rrggbb" strings made here: no typed text
    ever reaches CSS.
    """
    for value in (accent.light, accent.light_text, accent.dark, accent.dark_text):
        if parse_hex(value) != value:
            raise ValueError(f"not a normalised colour: {value!r}")
    return (
        "/* eventnet: this event's accent (eventnet.branding.colors) */\n"
        f":root {{ --accent: {accent.light}; --accent-text: {accent.light_text}; }}\n"
        "@media (prefers-color-scheme: dark) {\n"
        f"  :root {{ --accent: {accent.dark}; --accent-text: {accent.dark_text}; }}\n"
        "}\n"
    )
