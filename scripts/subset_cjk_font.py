#!/usr/bin/env python
"""Make eventnet/badges/fonts/WenQuanYiMicroHei-CJK.ttf, the badge font for Chinese, Japanese and Korean.

    apt-get install fonts-wqy-microhei        # Debian 12: 0.2.0-beta-3.1
    python scripts/subset_cjk_font.py [/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]

Why this font: ReportLab embeds only TrueType (glyf) outlines, so the OpenType/CFF Noto CJK fonts
are out. WenQuanYi Micro Hei is TrueType, Apache-2.0, and one face covers CJK Unified Ideographs,
kana and all 11,172 Hangul syllables (its Han and kana glyphs are Droid Sans Fallback's; Debian's
DroidSansFallbackFull.ttf has no Hangul syllables, so Korean would need a second multi-MB font).

Why a subset: the collection holds two faces (proportional and mono) sharing 5.2 MB of glyphs,
plus Latin, Greek and Cyrillic that DejaVu already prints, and hinting and vertical metrics that a
PDF for print never uses. Keeping only the CJK, kana and Hangul code points (and U+0020, so a space
between two CJK words stays in the same run) of the first face gives about 3.4 MB.

The output is reproducible (no new timestamp) and says in its own name table that it was changed,
as the Apache License 2.0 (section 4b) asks of a modified file.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUTPUT = ROOT / "eventnet" / "organizer" / "fonts" / "WenQuanYiMicroHei-CJK.ttf"

# Unicode blocks a Chinese, Japanese or Korean name (or company) is written in.
BLOCKS = (
    (0x0020, 0x0020),  # space: stays in the CJK run between two CJK words
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK Radicals Supplement, Kangxi Radicals
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (、。々〆〇「」)
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3190, 0x31FF),  # Kanbun, Bopomofo Extended, CJK Strokes, Katakana Phonetic Extensions
    (0x3200, 0x33FF),  # Enclosed CJK Letters and Months, CJK Compatibility
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (fullwidth Latin, halfwidth katakana)
    (0x20000, 0x2FA1F),  # Extensions B to F, Compatibility Supplement (where the font has any)
)
NOTICE = ("Subset of WenQuanYi Micro Hei 0.2.0-beta (Debian fonts-wqy-microhei 0.2.0-beta-3.1), "
          "changed by eventnet scripts/subset_cjk_font.py: only CJK, kana, Hangul and space kept; "
          "no hinting, no vertical metrics. Licensed under the Apache License 2.0.")


def main(argv: list[str]) -> int:
    source = argv[0] if argv else SOURCE
    font = TTCollection(source, recalcTimestamp=False).fonts[0]  # 0: proportional, 1: mono
    options = subset.Options()
    options.hinting = False  # print output: the renderer scales outlines, hints only add bytes
    options.drop_tables += ["vhea", "vmtx", "FFTM"]  # horizontal text only; FFTM is a FontForge stamp
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[code for first, last in BLOCKS for code in range(first, last + 1)])
    subsetter.subset(font)
    for platform, encoding, language in ((3, 1, 0x409), (1, 0, 0)):
        font["name"].setName(NOTICE, 10, platform, encoding, language)  # 10: description
    font.save(OUTPUT)
    print(f"{OUTPUT.relative_to(ROOT)}: {OUTPUT.stat().st_size / 1024 / 1024:.2f} MB, "
          f"{font['maxp'].numGlyphs} glyphs, {len(font.getBestCmap())} code points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
