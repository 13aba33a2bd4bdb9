"""Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy code page we are sure of.

Excel's plain "CSV (Comma delimited)" is written in the Windows code page of the machine
(Windows-1252 in the Americas and Western Europe, 1250 in Central Europe, 1251 for Cyrillic...),
old Mac Excel writes Mac Roman, and "Unicode Text" is UTF-16 with a BOM. UTF-8 is tried first
and strictly; only then does charset-normalizer (https://charset-normalizer.readthedocs.io)
rank the code pages spreadsheets write, and the file is decoded only when that reading is
confident:

- the reading has little "mess" (charset-normalizer's chaos, at most MAX_CHAOS) and reads as
  names do (`suspicious`: no symbol glued to letters as in "¯ó³kiewski", Polish read as
  Windows-1252; no letters of two scripts in one word as in "Renй"; no capital after a small
  letter as in "RenŽ", Mac Roman read as Windows-1252);
- every other reading as likely (as few suspicious characters, about as little mess) gives the
  same text; or Windows-1252 is among them, and it is taken, as Excel on Western Windows writes
  it: then `guessed` is set, and the preview names the other readings and lets the organizer
  pick one (for è, Windows-1250 reads č: only a person knows which the name is).

Charset-normalizer's language coherence is not used to choose: on the few dozen accented
letters of an attendee list it favoured Baltic over Greek and Windows-1252 over Turkish.
Anything else (binary data, a workbook, a mix of UTF-8 and another encoding, two code pages as
likely as each other) is refused with what to do instead: save as "CSV UTF-8".
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from ...i18n.markers import N_
from .errors import CSVError

# The code pages spreadsheet programs write CSV in, per their platform's locale.
CODEPAGES = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "mac_roman",
    "cp1255", "cp1256", "cp874", "cp932", "gb18030", "big5", "cp949",
)
# English (the command line prints them); pages show _(NAMES[codec]).
NAMES = {
    "utf_8": N_("UTF-8"),
    "utf_8_sig": N_("UTF-8 with BOM"),
    "utf_16": N_("UTF-16"),
    "cp1252": N_("Windows-1252 (Western European)"),
    "cp1250": N_("Windows-1250 (Central European)"),
    "cp1251": N_("Windows-1251 (Cyrillic)"),
    "cp1253": N_("Windows-1253 (Greek)"),
    "cp1254": N_("Windows-1254 (Turkish)"),
    "cp1257": N_("Windows-1257 (Baltic)"),
    "mac_roman": N_("Mac Roman"),
    "cp1255": N_("Windows-1255 (Hebrew)"),
    "cp1256": N_("Windows-1256 (Arabic)"),
    "cp874": N_("Windows-874 (Thai)"),
    "cp932": N_("Shift JIS (Japanese)"),
    "gb18030": N_("GB18030 (Chinese)"),
    "big5": N_("Big5 (Traditional Chinese)"),
    "cp949": N_("Windows-949 (Korean)"),
}
MAX_CHAOS = 0.1  # charset-normalizer's mess ratio: 0 is clean text
# Readings this close to the best one's mess are as likely as it.
TIE_CHAOS = 0.05
DETECT_BYTES = 256 * 1024  # charset-normalizer reads at most this much; the whole file is then decoded
SAVE_AS_UTF8 = N_("Save it as CSV UTF-8 and upload it again: in Excel choose File > Save As > 'CSV UTF-8 (Comma "
                   "delimited)'; in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'; Google Sheets "
                   "and Numbers always write UTF-8.")

# Characters that may touch a letter in a name or company: apostrophes, dots, dashes and
# trademark signs; other symbols glued to letters come from reading a file in the wrong code page.
_GLUE_OK = frozenset("’‘·‐‑–—…™®©°ªº¿¡«»“”„‚")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Decoded:
    """The text of a file and how it was read: `encoding` (a Python codec name) and its `label`.

    `legacy` is True for a code page other than UTF-8/UTF-16: the preview asks to check names.
    `guessed` is True when another code page was about as likely (Windows-1252 was preferred).
    """

    text: str
    encoding: str
    label: str
    legacy: bool = False
    guessed: bool = False
    alternatives: tuple[str, ...] = ()


def _line_of(data: bytes, position: int) -> int:
    return data[:position].count(b"\n") + 1


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    # Japanese and Chinese words mix these freely.
    return "CJK" if first in ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH") else first


def suspicious(text: str) -> int:
    """How many characters of `text` read as no name would; 0 for text read in the right code page.

    Counted: a symbol glued to a letter ("³" in "Żó³kiewski"), letters of two scripts side by
    side ("Renй"), a capital right after a small letter ("RenŽ"), a combining mark with no
    letter to combine with, and control or unassigned characters. Only non-ASCII characters
    are looked at, so the cost is small for any file.
    """
    count = 0
    for match in _NON_ASCII.finditer(text):
        position, ch = match.start(), match.group()
        before = text[position - 1] if position else " "
        after = text[position + 1] if position + 1 < len(text) else " "
        category = unicodedata.category(ch)
        if category[0] == "C":  # a control character (C1), unassigned, private use
            count += 1
        elif category[0] == "M":
            count += not (before.isalpha() or unicodedata.category(before)[0] == "M")
        elif category[0] in "SPN" and category != "Nd" and ch not in _GLUE_OK:
            count += before.isalpha() or after.isalpha()
        elif ch.isalpha():
            script = _script(ch)
            mixed = any(n.isalpha() and _script(n) != script for n in (before, after))
            count += mixed or (ch.isupper() and before.islower())
    return count


def _refuse(code: str, message: str) -> CSVError:
    return CSVError(code, f"{message} {_(SAVE_AS_UTF8)}")


def _not_a_csv(data: bytes) -> CSVError | None:
    if data.startswith(b"PK\x03\x04"):
        return _refuse("workbook", _("This is a spreadsheet workbook (.xlsx, .ods or .numbers), not a CSV file."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _refuse("workbook", _("This is an Excel 97-2003 workbook (.xls), not a CSV file."))
    head = data[:4096]
    if head.count(0) * 10 > len(head):
        # Binary data, or UTF-16 without its BOM; a stray NUL in a text file is a row's problem instead.
        return _refuse("not_text", _("This file is not text (it is full of NUL bytes): it cannot be a CSV file."))
    return None


def decode(data: bytes) -> Decoded:
    """The file's text and how it was read; CSVError with what to do when it cannot be read with confidence."""
    for bom, codec in ((codecs.BOM_UTF8, "utf_8_sig"), (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec, NAMES[codec])
            except UnicodeDecodeError as exc:
                raise _refuse("not_utf8", _("The file starts as %(encoding)s but line %(line)s is not.",
                                            encoding=_(NAMES[codec]), line=_line_of(data, exc.start))) from None
    refused = _not_a_csv(data)
    if refused:
        raise refused
    try:
        return Decoded(data.decode("utf_8"), "utf_8", NAMES["utf_8"])
    except UnicodeDecodeError as exc:
        bad = exc.start
    mixed = _utf8_line(data)
    if mixed is not None:
        # Some lines are UTF-8 and some are not: two files pasted together, or a file edited in
        # two programs. No single reading gives every name right.
        raise _refuse("mixed_encoding", _("The file is partly UTF-8 (line %(utf8)s) and partly another character set "
                                          "(line %(line)s has a byte %(byte)s that UTF-8 does not allow).", utf8=mixed,
                                          line=_line_of(data, bad), byte=f"0x{data[bad]:02X}"))
    return _legacy(data, bad)


def _utf8_line(data: bytes) -> int | None:
    """The number of the first line that has non-ASCII characters and is valid UTF-8, or None.

    A whole line, not a byte pair: in Shift JIS or GB18030 text, pairs that happen to be valid
    UTF-8 are common, whole lines of them are not.
    """
    for number, line in enumerate(data.split(b"\n"), 1):
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf_8")
        except UnicodeDecodeError:
            continue
        return number
    return None


def read_as(data: bytes, encoding: str) -> Decoded:
    """The file read in a code page the organizer chose (one of CODEPAGES or UTF-8); CSVError if it does not fit."""
    try:
        codec = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        codec = ""
    # Each to the superset spreadsheets really write (as browsers read ISO-8859-1 as Windows-1252).
    codec = {"utf_8": "utf_8_sig", "iso8859_1": "cp1252", "shift_jis": "cp932", "gbk": "gb18030",
             "gb2312": "gb18030", "euc_kr": "cp949"}.get(codec, codec)
    if codec not in NAMES:
        raise CSVError("unknown_encoding", _("%(encoding)s is not a character set we read: choose one of %(known)s.",
                                             encoding=repr(encoding), known=", ".join(sorted({"utf-8", *CODEPAGES}))))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise CSVError("wrong_encoding", _("Line %(line)s has a byte %(byte)s that %(encoding)s does not have: the file "
                                           "is in another character set.", line=_line_of(data, exc.start),
                                           byte=f"0x{data[exc.start]:02X}", encoding=_(NAMES[codec]))) from None
    legacy = codec not in ("utf_8", "utf_8_sig", "utf_16")
    return Decoded(text, codec, NAMES[codec], legacy=legacy)


def _legacy(data: bytes, first_bad: int) -> Decoded:
    """A confident reading in one of CODEPAGES (rules in the module docstring), or CSVError."""
    from charset_normalizer import from_bytes  # imported on use: most files are UTF-8

    sample = data[:DETECT_BYTES]
    if len(data) > DETECT_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    readings = []
    for match in from_bytes(sample, cp_isolation=list(CODEPAGES)):
        if match.chaos > MAX_CHAOS:
            continue
        try:
            text = sample.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        aliases = {match.encoding, *match.could_be_from_charset}
        readings.append((suspicious(text), match.chaos, match.encoding, aliases, text))
    not_confident = _("The file is not UTF-8 (line %(line)s has a byte %(byte)s that UTF-8 does not allow), and its "
                      "character set cannot be told with confidence.", line=_line_of(data, first_bad),
                      byte=f"0x{data[first_bad]:02X}")
    if not readings:
        raise _refuse("unknown_encoding", not_confident)
    letters = max(len(_NON_ASCII.findall(readings[0][4])), 1)
    fewest = min(r[0] for r in readings)
    if fewest * 50 > letters:  # more than 2% of the accented characters read as nobody writes
        raise _refuse("unknown_encoding", not_confident)
    plausible = [r for r in readings if r[0] == fewest]
    best_chaos = min(r[1] for r in plausible)
    likely = sorted((r for r in plausible if r[1] <= best_chaos + TIE_CHAOS), key=lambda r: (r[1], "cp1252" not in r[3]))
    chosen, guessed = likely[0], False
    if any(r[4] != chosen[4] for r in likely):
        western = [r for r in likely if "cp1252" in r[3]]
        if not western:
            names = ", ".join(_(NAMES[r[2]]) if r[2] in NAMES else r[2] for r in likely[:3])
            raise _refuse("unknown_encoding", _("%(problem)s It reads as well in %(encodings)s.", problem=not_confident,
                                                encodings=names))
        chosen, guessed = western[0], True
    encoding = "cp1252" if "cp1252" in chosen[3] else chosen[2]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _refuse("unknown_encoding", _("The file is not UTF-8, and line %(line)s has a byte %(byte)s that "
                                            "%(encoding)s does not have either.", line=_line_of(data, exc.start),
                                            byte=f"0x{data[exc.start]:02X}", encoding=_(NAMES[encoding]))) from None
    alternatives = tuple(dict.fromkeys(r[2] for r in likely if r[4] != chosen[4]))
    return Decoded(text, encoding, NAMES.get(encoding, encoding), legacy=True, guessed=guessed,
                   alternatives=alternatives)
