"""Badge text in any script: a font per script run, Unicode bidi order, HarfBuzz shaping.

One line of text (a name line, a company, an event name) becomes a `Line`: runs of glyphs in
visual order, left to right, each with its font, ready for ReportLab to draw and to embed as a
TrueType subset. The steps, each by its standard:

1. Paragraph direction: the first strong character (UAX #9 rules P2-P3), for the whole name, so
   every line of a wrapped right-to-left name keeps right-to-left order.
2. Embedding levels of the characters (UAX #9 X1-I2), by python-bidi's Python implementation:
   `נועה כהן` is level 1 (right to left), `Noa Cohen נועה` is 0 for Latin, 1 for Hebrew.
3. Itemization: the Unicode Script property (UAX #24, fontTools' copy of Scripts.txt) picks the
   font; Common and Inherited characters (spaces, punctuation, combining marks) join the script
   before them (UAX #24 section 5.2), and a character the chosen font lacks falls back to the
   first vendored font that has it. A run is a stretch of one font, one script and one level.
4. Shaping: each run through HarfBuzz with its direction (level parity) and script, which joins
   Arabic letters, forms Devanagari conjuncts and reorders vowel signs, applies kerning, and for a
   right-to-left run returns the glyphs already in visual order.
5. Reordering: trailing spaces go to the paragraph level (UAX #9 L1), then runs are reversed from
   the highest level down to the lowest odd one (L2). Runs, not characters, are reversed, since
   shaping has already put each run's glyphs in visual order.

Why this path: ReportLab 5.1 draws and subsets HarfBuzz-shaped glyphs itself (`ShapedStr`, with
uharfbuzz installed), but its bidi needs `rlbidi`, which PyPI does not serve, and its `shapeStr`
guesses direction and script per string and turns on discretionary ligatures (`dlig`), which in
Noto Sans Arabic turn the name محمد into the single honorific sign ﷴ. So bidi comes from
python-bidi and we call HarfBuzz ourselves with explicit direction, script and features, then
hand ReportLab its own `ShapedStr` to draw. arabic-reshaper was the other candidate: it joins
Arabic by substituting presentation forms, but cannot shape Devanagari, which HarfBuzz does.

Units: advances are in points per 1 pt of font size (multiply by the size), like
`pdfmetrics.stringWidth(text, font, 1)`.
"""
from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import uharfbuzz
from bidi import algorithm as uba
from fontTools.unicodedata import script as script_of
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr, TTFont
from reportlab.pdfgen.canvas import Canvas

# Shipped with the app (see fonts/README.md), so every host embeds the same fonts.
FONT_DIR = os.environ.get("BADGE_FONT_DIR", os.path.join(os.path.dirname(__file__), "fonts"))


@dataclass(frozen=True)
class Face:
    """A vendored typeface: the scripts it is the first choice for (none: the default face),
    its regular and bold files in FONT_DIR, and no bold file when bold must be synthesised."""

    key: str
    scripts: frozenset[str]
    regular: str
    bold: str | None


# ISO 15924 script codes, as the Unicode Script property gives them.
FACES = (
    Face("Sans", frozenset(), "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),  # Latin, Greek, Cyrillic, ...
    Face("Hebrew", frozenset({"Hebr"}), "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    Face("Arabic", frozenset({"Arab"}), "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Face("Devanagari", frozenset({"Deva"}), "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    Face("CJK", frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"}), "WenQuanYiMicroHei-CJK.ttf", None),
)
_FACE_FOR_SCRIPT = {script: face for face in FACES for script in face.scripts}
DEFAULT_FACE = FACES[0]

# Synthetic bold (for the CJK face, which has no bold): the outline is stroked as well as filled,
# with a line this fraction of the font size wide, so every stroke gains 3% of an em. Chosen by
# eye on the mixed name 李伟 Li Wei, beside DejaVu Sans Bold (test-artifacts/screenshots).
SYNTHETIC_BOLD_STROKE = 0.03

# HarfBuzz's defaults (kerning on), with standard and discretionary ligatures off. Names are read,
# copied and searched: "Griffin" with an ffi ligature extracts from the PDF as "Gri\ufb03n", and
# Noto Sans Arabic's discretionary ligatures print محمد and الله as the single signs ﷴ and ﷲ.
# Required ligatures (Arabic lam-alef, "rlig") and Indic conjuncts are other features and stay on.
FEATURES = {"kern": True, "liga": False, "dlig": False}

# Bidi classes that can make any character of a text right to left (UAX #9 table 4): a text
# without them in a left-to-right paragraph is one run at level 0, without running the algorithm.
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"})
# Whitespace that L1 resets to the paragraph level at the end of a line.
_TRAILING_CLASSES = frozenset({"WS", "BN", "S", "B", "FSI", "LRI", "RLI", "PDI"})


@dataclass(frozen=True, eq=False)  # one instance per face and weight: hashed by identity, fast as a cache key
class Font:
    """A registered ReportLab font: `ttf` is None for the standard PDF font used when the
    vendored fonts are missing (Latin-1 only, nothing shaped); `stroke` means synthetic bold."""

    name: str
    ttf: TTFont | None
    stroke: bool = False
    # HarfBuzz's view of the same file; creating it also gives the TTFont its hbAddPrivate.
    hb: uharfbuzz.Font | None = None

    def covers(self, char: str) -> bool:
        """Whether the font has a glyph for `char`."""
        if self.ttf is None:
            return ord(char) <= 0xFF
        return ord(char) in self.ttf.face.charToGlyph


@dataclass(frozen=True)
class Run:
    """Glyphs of one font in visual order: `glyphs` has one character per glyph (a ReportLab
    ShapedStr carrying HarfBuzz's positions, or a plain str when every glyph sits at its own
    advance, with no kerning and no mark offset)."""

    font: str
    glyphs: str
    advance: float  # points per 1 pt of font size
    stroke: bool


@dataclass(frozen=True)
class Line:
    """One line of text laid out for drawing: its runs left to right, and its total advance."""

    text: str
    runs: tuple[Run, ...]
    advance: float  # points per 1 pt of font size

    def width(self, size: float) -> float:
        """The line's width in points at `size` pt."""
        return self.advance * size


_lock = threading.Lock()  # font registration and ReportLab's private-use glyph codes are global state


@cache
def font(face: Face, bold: bool) -> Font | None:
    """The registered font of `face` in that weight, loaded on first use (the CJK file takes a
    quarter of a second), or None when its file is not in FONT_DIR."""
    with _lock:
        file = face.bold if bold and face.bold else face.regular
        path = os.path.join(FONT_DIR, file)
        if not os.path.exists(path):
            if face is DEFAULT_FACE:
                return Font("Helvetica-Bold" if bold else "Helvetica", None)
            return None
        name = f"Badge{face.key}" + ("-Bold" if bold and face.bold else "")
        try:
            ttf = pdfmetrics.getFont(name)
        except KeyError:
            ttf = TTFont(name, path)
            pdfmetrics.registerFont(ttf)
        return Font(name, ttf, stroke=bold and face.bold is None, hb=ttf.hbFont(1000))


def default_font(bold: bool) -> Font:
    """The font for Latin text and for anything no other face is chosen for."""
    found = font(DEFAULT_FACE, bold)
    assert found is not None  # the default face falls back to Helvetica
    return found


_LETTER, _MARK, _IGNORABLE = 0, 1, 2


@lru_cache(maxsize=65536)
def _kind(char: str) -> int:
    """Whether `char` is a combining mark (general category M), default-ignorable, or neither."""
    if _ignorable(char):
        return _IGNORABLE
    return _MARK if unicodedata.category(char)[0] == "M" else _LETTER


def _ignorable(char: str) -> bool:
    # Default-ignorable characters (ZWJ, ZWNJ, bidi marks, variation selectors) draw nothing:
    # HarfBuzz hides them when the font has no glyph, so they are never "missing".
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


@lru_cache(maxsize=65536)
def _script(char: str) -> str:
    return script_of(char)


@lru_cache(maxsize=65536)
def _font_for(char: str, script: str, bold: bool) -> Font | None:
    """The first font that has `char`: the face for its script, then every face in order."""
    preferred = _FACE_FOR_SCRIPT.get(script, DEFAULT_FACE)
    for face in (preferred, *FACES):
        found = font(face, bold)
        if found is not None and found.covers(char):
            return found
    return None


def missing_glyphs(text: str, bold: bool = True) -> str:
    """The characters of `text` that no badge font has (they would print as boxes), sorted, once
    each; spaces and invisible formatting characters never count."""
    return "".join(sorted(
        char for char in set(text)
        if not char.isspace() and not _ignorable(char) and _font_for(char, _script(char), bold) is None
    ))


def _scripts(text: str) -> list[str]:
    """The script of each character, Common (Zyyy) and Inherited (Zinh) ones given the script
    before them, or after them at the start of the text (UAX #24 section 5.2)."""
    raw = [_script(char) for char in text]
    first = next((s for s in raw if s not in ("Zyyy", "Zinh")), "Zyyy")
    resolved, last = [], first
    for value in raw:
        if value not in ("Zyyy", "Zinh"):
            last = value
        resolved.append(last)
    return resolved


def base_level(text: str) -> int:
    """The paragraph level of `text`: 1 when its first strong character is right to left
    (Hebrew, Arabic), else 0 (UAX #9 P2-P3)."""
    return uba.get_base_level(text)


def embedding_levels(text: str, base: int) -> list[int]:
    """The resolved embedding level of each character of `text` in a paragraph of level `base`
    (UAX #9 X1-I2; odd is right to left), one per character, before line rules L1-L2."""
    if base == 0 and not any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text):
        return [0] * len(text)
    # python-bidi's public get_display returns only the reordered string, and shaping needs the
    # levels, so this runs the steps of its Python implementation (bidi.algorithm, which follows
    # UBA as of Unicode 5: no isolates, no bracket pairs) the way its get_display does, up to I2.
    # Pinned version; tests/test_badge_scripts.py checks the order against the Rust implementation.
    storage = uba.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "LR"[base]
    uba.get_embedding_levels(text, storage)
    for index, entry in enumerate(storage["chars"]):
        entry["index"] = index  # X9 removes embedding controls: remember where each one was
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels: list[int | None] = [None] * len(text)
    for entry in storage["chars"]:
        levels[entry["index"]] = entry["level"]
    # Removed controls draw nothing; give them their neighbour's level so they split no run.
    previous = base
    for index, level in enumerate(levels):
        previous = levels[index] = previous if level is None else level
    return levels  # type: ignore[return-value]


def visual_order(levels: list[int]) -> list[int]:
    """The indexes of items with these levels in display order, left to right (UAX #9 L2:
    from the highest level down to the lowest odd level, reverse every sequence at or above it)."""
    order = list(range(len(levels)))
    odd = [level for level in levels if level % 2]
    if not odd:
        return order
    for level in range(max(levels), min(odd) - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] >= level:
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = order[index:end][::-1]
                index = end
            else:
                index += 1
    return order


@lru_cache(maxsize=16384)
def _shape(text: str, font_: Font, rtl: bool, script: str) -> tuple[str, float]:
    """Glyphs of one run in visual order (one character per glyph) and its advance at 1 pt."""
    if font_.ttf is None:
        return text.encode("latin-1", "replace").decode("latin-1"), pdfmetrics.stringWidth(text, font_.name, 1)
    ttf, hb_font = font_.ttf, font_.hb
    scale = 1000 / ttf.face.unitsPerEm  # font units -> thousandths of an em, as ReportLab measures
    with _lock:
        buffer = uharfbuzz.Buffer()
        buffer.add_str(text)
        buffer.direction = "rtl" if rtl else "ltr"
        if script != "Zyyy":
            buffer.script = script
        buffer.guess_segment_properties()  # fills in only what is still unset
        uharfbuzz.shape(hb_font, buffer, FEATURES)
        face = ttf.face
        widths, glyph_to_char = face.charWidths, face.glyphToChar
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        codes = []
        for info, position in zip(infos, positions):
            gid, written = info.codepoint, ord(text[info.cluster])
            shared = glyph_to_char.get(gid)
            if shared:
                # Of the characters that share a glyph (space and no-break space), the one
                # written, so the PDF's text reads back as typed.
                codes.append(written if written in shared else shared[0])
            else:
                # A glyph no character maps to (an Arabic final form, a Devanagari conjunct):
                # ReportLab gives it a private-use code so its subsetter can embed it.
                codes.append(ttf.hbAddPrivate(hb_font.glyph_to_string(gid), gid, position.x_advance * scale))
    glyphs = "".join(map(chr, codes))
    advances = [position.x_advance * scale for position in positions]
    total = sum(advances) / 1000
    if all(abs(advance - widths[code]) < 0.01 for advance, code in zip(advances, codes)) and not any(
            p.x_offset or p.y_offset or p.y_advance for p in positions):
        # Every glyph at its own advance (no kerning pair, no mark offset): a plain string of
        # the glyphs' codes draws the same, through ReportLab's far faster unpositioned path.
        return glyphs, total
    return ShapedStr(glyphs, shapeData=[
        ShapeData(info.cluster, advance, p.y_advance * scale, p.x_offset * scale, p.y_offset * scale, widths[code])
        for info, p, advance, code in zip(infos, positions, advances, codes)
    ]), total


class _SimpleChars(dict):
    """char -> whether it is a Latin or Common character, not right to left, not a mark, that
    the default font has in this weight: text made only of these needs no itemizing."""

    def __init__(self, bold: bool) -> None:
        super().__init__()
        self.bold = bold

    def __missing__(self, char: str) -> bool:
        self[char] = simple = (_script(char) in ("Latn", "Zyyy") and _kind(char) == _LETTER
                               and unicodedata.bidirectional(char) not in _RTL_CLASSES
                               and _font_for(char, "Latn", self.bold) is default_font(self.bold))
        return simple


_simple = {False: _SimpleChars(False), True: _SimpleChars(True)}


@lru_cache(maxsize=16384)
def layout(text: str, bold: bool, base: int | None = None) -> Line:
    """`text` as one line: runs of one font, script and level, shaped, in visual order.
    `base` is the paragraph level (0 left to right, 1 right to left); None takes it from `text`.
    Cached: a sheet measures the same strings at many sizes, and names repeat across sheets."""
    if not text:
        return Line(text, (), 0.0)
    if base is None:
        base = base_level(text)
    simple = _simple[bold]
    if base == 0 and all(simple[char] for char in text):
        # Latin (or Common) letters the default font has, left to right: one run, no itemizing.
        run_font = default_font(bold)
        glyphs, advance = _shape(text, run_font, False, "Latn")
        return Line(text, (Run(run_font.name, glyphs, advance, run_font.stroke),), advance)
    levels = embedding_levels(text, base)
    for index in range(len(text) - 1, -1, -1):  # L1: trailing whitespace takes the paragraph level
        if unicodedata.bidirectional(text[index]) not in _TRAILING_CLASSES:
            break
        levels[index] = base
    scripts = _scripts(text)
    spans: list[list] = []  # [start, end, font, script, level]
    for index, char in enumerate(text):
        script, level = scripts[index], levels[index]
        chosen = _font_for(char, script, bold)
        if spans:
            previous = spans[-1]
            kind = _kind(char)
            # A combining mark stays with its base when the base's font has it; an invisible
            # joiner or mark stays in its run whatever the font has (HarfBuzz hides it, and a
            # run cut there would lose the joining it asks for); a character no font has stays
            # in the run it interrupts (it prints as that font's box).
            if chosen is None or kind == _IGNORABLE or kind == _MARK and previous[2].covers(char):
                chosen = previous[2]
            if previous[2] is chosen and previous[3] == script and previous[4] == level:
                previous[1] = index + 1
                continue
        elif chosen is None:
            chosen = font(_FACE_FOR_SCRIPT.get(script, DEFAULT_FACE), bold) or default_font(bold)
        spans.append([index, index + 1, chosen, script, level])
    runs = []
    for start, end, run_font, _, level in spans:
        piece = text[start:end]
        # Shape with the run's own script; a run of only Common characters (digits, a hyphen)
        # gets HarfBuzz's default shaper, not that of the script it was attached to.
        own = next((s for s in map(_script, piece) if s not in ("Zyyy", "Zinh")), "Zyyy")
        glyphs, advance = _shape(piece, run_font, level % 2 == 1, own)
        runs.append((level, Run(run_font.name, glyphs, advance, run_font.stroke)))
    ordered = tuple(runs[i][1] for i in visual_order([level for level, _ in runs]))
    return Line(text, ordered, sum(run.advance for run in ordered))


def width(text: str, bold: bool, size: float, base: int | None = None) -> float:
    """The width of `text` as one line, in points at `size` pt."""
    return layout(text, bold, base).advance * size


def draw(canvas: Canvas, line: Line, x: float, y: float, size: float, gray: float = 0.0) -> None:
    """Draw `line` with its left end at x and its baseline at y, in points, `size` pt, in `gray`
    (0 black, 1 white), each run in its own font and synthetic-bold runs stroked as well."""
    canvas.setFillGray(gray)
    for run in line.runs:
        canvas.setFont(run.font, size)
        if run.stroke:
            canvas.saveState()
            canvas.setStrokeGray(gray)
            canvas.setLineWidth(size * SYNTHETIC_BOLD_STROKE)
            canvas.setLineJoin(1)  # round: no spikes at the sharp corners of strokes
            canvas.drawString(x, y, run.glyphs, mode=2)  # 2: fill, then stroke
            canvas.restoreState()
        else:
            canvas.drawString(x, y, run.glyphs)
        x += run.advance * size


def clusters(text: str) -> list[str]:
    """`text` cut into pieces that must not be separated when a line is cut: a character with
    its combining marks, and a Devanagari consonant joined by a virama (or ZWJ) to the next."""
    pieces: list[str] = []
    for char in text:
        if pieces and (unicodedata.category(char)[0] == "M" or char in "\u200c\u200d"
                       or unicodedata.combining(pieces[-1][-1]) == 9 or pieces[-1][-1] == "\u200d"):
            pieces[-1] += char  # combining class 9 is a virama
        else:
            pieces.append(char)
    return pieces
