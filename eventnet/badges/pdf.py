"""Print-ready badge sheets as PDF: several badges per A4 or US Letter page, with cut marks.

Why ReportLab: it is pure Python (no browser, no headless Chromium, no system library to
install on the server), it places everything at exact coordinates in points, so a badge is the
same size on every printer, and it embeds the fonts it uses, so the PDF prints identically
everywhere. The QR is drawn as vector rectangles straight from the qrcode matrix: sharp at any
printer resolution, and no image per badge.

Geometry (1 pt = 1/72 inch): a badge is 95 x 80 mm, six per page (2 columns x 3 rows), placed
edge to edge so one cut separates two badges, centred on the paper, with short cut marks in the
margins on the line of every cut. The QR symbol is 28 mm wide (more than the 25 mm a phone
reads at arm's length) plus its 4-module quiet zone, and the short code sits under it.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import qrcode
from flask import has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from . import text as badge_text

PAPERS = {"a4": ("A4", A4), "letter": ("US Letter", LETTER)}
BADGE_W, BADGE_H = 95 * mm, 80 * mm
COLUMNS, ROWS = 2, 3
PER_PAGE = COLUMNS * ROWS
PADDING = 5 * mm
QR_SIZE = 28 * mm  # the symbol itself; the quiet zone comes on top
QUIET_MODULES = 4  # ISO/IEC 18004 asks for a 4-module light border around the symbol
CUT_MARK = 6 * mm
CUT_GAP = 2 * mm  # marks stop short of the badge so a slightly-off cut leaves no line on it

NAME_SIZES = (30, 28, 26, 24)  # one line, the larger the better at two metres
NAME_WRAPPED = 24  # then two lines at 24 pt, still readable at two metres
NAME_MIN = 14  # only names too long for two lines at 24 pt shrink, down to this
NAME_MAX_LINES = 3

# The mask pattern is fixed: decoders read all eight masks (the standard requires it), and
# choosing the "best" one costs qrcode eight full matrix builds, 9x the time of one
# (see bench/badges_bench.py: about a minute instead of seconds for 5,000 badges).
QR_MASK = 0

def missing_glyphs(text: str, bold: bool = True) -> str:
    """The characters of `text` that no badge font can print (they would show as boxes)."""
    return badge_text.missing_glyphs(text, bold)


def unprintable(name: str, company: str, headline: str) -> str:
    """The characters of a badge's texts that would print as boxes, each in the weight it is
    printed in (name and company bold, headline regular), sorted, once each."""
    return "".join(sorted(set(missing_glyphs(name + company) + missing_glyphs(headline, bold=False))))


@dataclass(frozen=True)
class BadgeData:
    """What one badge shows; `url` is what its QR holds."""

    name: str
    company: str
    headline: str
    short_code: str
    url: str


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules of `data` (level M, no border): rows of booleans, True is dark."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def draw_qr(canvas: Canvas, matrix: Sequence[Sequence[bool]], x: float, y: float, size: float) -> None:
    """Draw the matrix as one filled path of rectangles, its bottom-left corner at (x, y)."""
    n = len(matrix)
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # One rectangle per horizontal run of dark modules: fewer operators, same image.
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    # In module units with rows counting down from the top, every coordinate is a small integer:
    # exact, compact, and formatted far faster than one float per corner.
    canvas.transform(size / n, 0, 0, -size / n, x, y + size)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def _tokens(name: str) -> list[tuple[str, bool]]:
    """The pieces a name may be broken between (words, and parts after a hyphen or a katakana
    middle dot, which separates the parts of a foreign name written in Japanese), each with
    whether a space comes before it."""
    tokens = []
    for index, word in enumerate(name.split()):
        for part_no, part in enumerate(re.findall(r"[^-\u30fb]+[-\u30fb]?|[-\u30fb]", word)):
            tokens.append((part, index > 0 and part_no == 0))
    return tokens


def _wrap_name(tokens, size: float, width: float, base: int) -> list[str] | None:
    """The name's pieces joined into lines no wider than `width` at `size`, in logical order
    (a right-to-left name's first line holds its first words), or None if a piece is wider."""
    lines: list[str] = []
    for part, spaced in tokens:
        if lines and badge_text.width(lines[-1] + (" " if spaced else "") + part, True, size, base) <= width:
            lines[-1] += (" " if spaced else "") + part
        elif badge_text.width(part, True, size, base) <= width:
            lines.append(part)
        else:
            return None  # one piece wider than the badge at this size
    return lines


def _fit_name(name: str, width: float) -> tuple[list[str], float]:
    """The name's lines and size: one line as large as fits, else two (then three) lines at the
    largest size from 24 pt down that fits; only names too long even for that are clipped.
    Widths are of the shaped text, every script run in its own font."""
    base = badge_text.base_level(name)
    for size in NAME_SIZES:
        if badge_text.width(name, True, size, base) <= width:
            return [name], size
    tokens = _tokens(name)
    size = float(NAME_WRAPPED)
    while size >= NAME_MIN:
        for most in (2, NAME_MAX_LINES):
            lines = _wrap_name(tokens, size, width, base)
            if lines is not None and len(lines) <= most:
                return lines, size
        size -= 0.5
    # Too long even at the smallest size: cut into lines between clusters (never between a
    # letter and its marks, nor inside a conjunct), the last line clipped.
    lines, line = [], ""
    for piece in badge_text.clusters(name):
        if line and badge_text.width(line + piece, True, NAME_MIN, base) > width:
            lines.append(line)
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line)
    return lines[:NAME_MAX_LINES], NAME_MIN


def _clip_text(text: str, bold: bool, size: float, width: float, base: int | None = None) -> str:
    """`text`, or as much of it as fits in `width` at `size` followed by an ellipsis."""
    if badge_text.width(text, bold, size, base) <= width:
        return text
    pieces = badge_text.clusters(text)
    low, high = 0, len(pieces)  # the longest prefix that fits with "…" has `low` clusters
    while low < high:
        middle = (low + high + 1) // 2
        if badge_text.width("".join(pieces[:middle]).rstrip() + "…", bold, size, base) <= width:
            low = middle
        else:
            high = middle - 1
    return "".join(pieces[:low]).rstrip() + "…"


def _wrap(text: str, bold: bool, size: float, width: float, max_lines: int) -> list[str]:
    """`text` in at most `max_lines` lines no wider than `width`, the last ending in an
    ellipsis when the rest does not fit."""
    base = badge_text.base_level(text)
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and badge_text.width(line + " " + words[0], bold, size, base) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:  # more than fits: the last line ends in an ellipsis
        lines[-1] = _clip_text(lines[-1] + " " + " ".join(words), bold, size, width, base)
    return [_clip_text(line, bold, size, width, base) for line in lines]


def _draw_text(canvas: Canvas, text: str, bold: bool, x: float, y: float, size: float, gray: float = 0.0,
               base: int | None = None) -> None:
    badge_text.draw(canvas, badge_text.layout(text, bold, base), x, y, size, gray)


# The event's look (eventnet.branding): a band of its accent across the badge in the top margin,
# inset from the top edge so that a cut a little off never leaves it on the badge above, and
# edge to edge sideways, where the badge beside carries the same band. The logo sits at the
# bottom left, beside the short code: company and headline end above it even at their longest
# (2 + 3 lines from the QR's top), so no badge's text moves for it.
BAND_INSET, BAND_HEIGHT = 1.2 * mm, 2.4 * mm
LOGO_HEIGHT, LOGO_MAX_WIDTH = 7 * mm, 40 * mm
LOGO_FORM = "eventLogo"


@dataclass(frozen=True)
class SheetLook:
    """The event's look on its badges: `accent` (r, g, b) 0-1 for the band, and the logo drawn
    once as a form XObject (`logo_form`, None without a logo)."""

    accent: tuple[float, float, float]
    logo_form: str | None = None


def _define_look(canvas: Canvas, brand) -> SheetLook | None:
    """Put the logo in the PDF once (every badge then refers to it) and say how to draw the look.

    `brand` is a branding.services.SheetBrand or None (no look: the badges as they always were).
    """
    if brand is None:
        return None
    if brand.logo is None:
        return SheetLook(brand.accent)
    scale = min(LOGO_HEIGHT / brand.logo_height, LOGO_MAX_WIDTH / brand.logo_width)
    width, height = brand.logo_width * scale, brand.logo_height * scale
    canvas.beginForm(LOGO_FORM, lowerx=0, lowery=0, upperx=width, uppery=height)
    canvas.drawImage(ImageReader(io.BytesIO(brand.logo)), 0, 0, width, height, mask="auto")
    canvas.endForm()
    return SheetLook(brand.accent, LOGO_FORM)


def _draw_look(canvas: Canvas, look: SheetLook, x: float, y: float) -> None:
    """The band and the logo of the badge whose bottom-left corner is at (x, y)."""
    canvas.saveState()
    canvas.setFillColorRGB(*look.accent)
    canvas.rect(x, y + BADGE_H - BAND_INSET - BAND_HEIGHT, BADGE_W, BAND_HEIGHT, stroke=0, fill=1)
    if look.logo_form is not None:
        canvas.translate(x + PADDING, y + PADDING)
        canvas.doForm(look.logo_form)
    canvas.restoreState()


def draw_badge(canvas: Canvas, badge: BadgeData, event_name: str, x: float, y: float,
               look: SheetLook | None = None) -> None:
    """One badge with its bottom-left corner at (x, y), in the event's look when given."""
    inner = BADGE_W - 2 * PADDING
    top = y + BADGE_H - PADDING
    if look is not None:
        _draw_look(canvas, look, x, y)

    _draw_text(canvas, _clip_text(event_name, False, 9, inner), False, x + PADDING, top - 9, 9, gray=0.35)

    lines, size = _fit_name(badge.name, inner)
    base = badge_text.base_level(badge.name)
    baseline = top - 12 - size
    for line in lines:
        _draw_text(canvas, _clip_text(line, True, size, inner, base), True, x + PADDING, baseline, size, base=base)
        baseline -= size * 1.1

    matrix = qr_matrix(badge.url)
    module = QR_SIZE / len(matrix)
    qr_box = QR_SIZE + 2 * QUIET_MODULES * module
    qr_x = x + BADGE_W - PADDING - qr_box + QUIET_MODULES * module
    qr_y = y + PADDING + 4 * mm + QUIET_MODULES * module
    canvas.setFillGray(0)
    draw_qr(canvas, matrix, qr_x, qr_y, QR_SIZE)
    canvas.setFont(badge_text.default_font(False).name, 10)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, y + PADDING, badge.short_code)  # ASCII: nothing to shape

    text_w = BADGE_W - 2 * PADDING - qr_box - 2 * mm
    text_top = min(baseline + size * 1.1 - 6 * mm, qr_y + QR_SIZE)
    if badge.company:
        company_base = badge_text.base_level(badge.company)
        for line in _wrap(badge.company, True, 13, text_w, 2):
            text_top -= 13 * 1.2
            _draw_text(canvas, line, True, x + PADDING, text_top, 13, base=company_base)
        text_top -= 2 * mm
    if badge.headline:
        headline_base = badge_text.base_level(badge.headline)
        for line in _wrap(badge.headline, False, 11, text_w, 3):
            text_top -= 11 * 1.25
            _draw_text(canvas, line, False, x + PADDING, text_top, 11, gray=0.2, base=headline_base)
    canvas.setFillGray(0)


def _origin(page_size: tuple[float, float]) -> tuple[float, float]:
    width, height = page_size
    return (width - COLUMNS * BADGE_W) / 2, (height - ROWS * BADGE_H) / 2


def draw_cut_marks(canvas: Canvas, page_size: tuple[float, float]) -> None:
    """Short hairlines in the margins on the line of every cut, never on a badge."""
    left, bottom = _origin(page_size)
    right, top = left + COLUMNS * BADGE_W, bottom + ROWS * BADGE_H
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0)
    for column in range(COLUMNS + 1):
        xc = left + column * BADGE_W
        canvas.line(xc, top + CUT_GAP, xc, top + CUT_GAP + CUT_MARK)
        canvas.line(xc, bottom - CUT_GAP, xc, bottom - CUT_GAP - CUT_MARK)
    for row in range(ROWS + 1):
        yc = bottom + row * BADGE_H
        canvas.line(left - CUT_GAP, yc, left - CUT_GAP - CUT_MARK, yc)
        canvas.line(right + CUT_GAP, yc, right + CUT_GAP + CUT_MARK, yc)


def render_sheet(
    badges: Iterable[BadgeData],
    event_name: str,
    paper: str = "a4",
    progress: Callable[[int], None] | None = None,
    brand=None,
    language: str | None = None,
) -> bytes:
    """A PDF of the badges, six per page on `paper` ("a4", "letter" or "badge": one badge per page).

    `brand`: the event's look (branding.services.SheetBrand: accent band, logo), None for none.
    `language`: the event's default language (Event.default_language). The badges are printed for
    the attendees, not for the organizer who downloads them, so the sheet's fixed words (its title,
    "No badges to print.") are in the event's language, whatever the organizer reads; names,
    companies and headlines are printed as typed. None: English.
    """
    if language and has_app_context():
        with force_locale(language):
            return _render_sheet(badges, event_name, paper, progress, brand)
    return _render_sheet(badges, event_name, paper, progress, brand)


def _render_sheet(badges, event_name, paper, progress, brand) -> bytes:
    single = paper == "badge"
    page_size = (BADGE_W, BADGE_H) if single else PAPERS[paper][1]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page_size, pageCompression=1)
    canvas.setTitle(_("Badges · %(event)s", event=event_name))
    canvas.setCreator("eventnet")
    left, bottom = _origin(page_size)
    look = _define_look(canvas, brand)
    count = 0
    for count, badge in enumerate(badges, start=1):
        slot = (count - 1) % (1 if single else PER_PAGE)
        if slot == 0 and count > 1:
            canvas.showPage()
        if single:
            draw_badge(canvas, badge, event_name, 0, 0, look)
        else:
            if slot == 0:
                draw_cut_marks(canvas, page_size)
            column, row = slot % COLUMNS, slot // COLUMNS
            draw_badge(canvas, badge, event_name, left + column * BADGE_W, bottom + (ROWS - 1 - row) * BADGE_H, look)
        if progress is not None:
            progress(count)
    if count == 0:
        canvas.setFont(badge_text.default_font(False).name, 12)
        empty = _("No badges to print.")
        _draw_text(canvas, empty, False, 20 * mm, page_size[1] - 30 * mm, 12, base=badge_text.base_level(empty))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# bench/badges_bench.py, 2 cores, through the app: about 0.9 ms per badge idle, 1.4 ms under load
# before names were shaped; shaping (issue 11) adds 10-15% (2.28 -> 2.60 ms a badge back to back,
# on a machine loaded by three other runs). 2 ms keeps the "about N seconds" the page shows on the
# generous side on a machine of our own.
SECONDS_PER_BADGE = 0.002


def estimate_seconds(count: int) -> int:
    """A generous estimate of how long a sheet of `count` badges takes to make, for the page to say."""
    return max(1, round(count * SECONDS_PER_BADGE + 0.5))


def badge_data(attendees: Iterable, url_for_badge: Callable) -> Iterable[BadgeData]:
    """BadgeData for each attendee, lazily, so a 5,000-badge sheet holds one QR matrix at a time."""
    for attendee in attendees:
        yield BadgeData(
            name=attendee.name,
            company=attendee.company or "",
            headline=attendee.headline or "",
            short_code=attendee.short_code,
            url=url_for_badge(attendee),
        )
