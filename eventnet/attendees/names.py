"""The parts of a person's name that address books file them under: vCard N, Outlook's name columns.

A card shows the display name (`name`) as its person wrote it; an address book also wants it in
parts (vCard N, RFC 2426 section 3.1.2: family; given; additional; prefix; suffix), and builds
what it shows and how it sorts from them (iOS and Outlook compose the shown name from N or the
name columns, not from FN). Where the parts come from, in order:

1. The attendee's own parts (profile, organizer's form, an import with split columns), never
   re-split: "Herrera Díaz" given as one family name stays one.
2. Otherwise the display name, parsed by nameparser (`Hal Daumé III` -> given Hal, family Daumé,
   suffix III; `Dr. Amara Nwosu` -> prefix Dr.), but only where the parse is a faithful split:
   its parts in order give back exactly the words of the name. Anything else (a nickname in
   quotes, "Smith, John", a stray formula) is not split.
3. Names the parser cannot split sensibly are not split: the whole name goes in one part, by the
   convention of its script. Chinese, Japanese and Korean names are written family name first,
   usually without a space (`山田太郎`, `王秀英`, `김민준`): the whole name is the family name, so
   the address book shows it as written and files it under its first character. Thai names are
   given name first and Thais are filed by given name: the whole name is the given name. A single
   word is a given name (as iOS and Google Contacts file a one-word contact).

A middle word cannot be told apart: "Mary Anne Smith" has a middle name, "Tomás Herrera Díaz" a
first surname. It goes in `additional`, so the name an address book composes from the parts
reads as written; only the filing letter can be wrong, and the profile corrects it.

The attendee corrects a wrong split in their profile ("how address books file you").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from fontTools import unicodedata as script_data
from nameparser import HumanName

# Unicode Script property values (UAX #24, fontTools' copy of Scripts.txt).
# Han, Hiragana, Katakana, Hangul, Bopomofo: family name first, parts usually not spaced.
FAMILY_NAME_FIRST = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})
# Thai: given name first, and people are addressed and filed by their given name.
GIVEN_NAME_ONLY = frozenset({"Thai"})
_NEUTRAL = frozenset({"Zyyy", "Zinh", "Zzzz"})  # Common, Inherited, Unknown


@dataclass(frozen=True)
class NameParts:
    """A name as vCard N holds it (RFC 2426 section 3.1.2); `additional` holds middle names."""

    prefix: str = ""
    given: str = ""
    additional: str = ""
    family: str = ""
    suffix: str = ""

    def words(self) -> list[str]:
        """The words of the parts in the order a Western display name writes them."""
        text = " ".join((self.prefix, self.given, self.additional, self.family, self.suffix))
        return text.replace(",", " ").split()


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def scripts_of(text: str) -> frozenset[str]:
    """The scripts of the letters of `text` (Han, Latin, Thai, ...), punctuation and marks left out."""
    return frozenset(script_data.script(char) for char in text if char.isalpha()) - _NEUTRAL


# A digest's .vcf and Outlook CSV parse each contact's name, and the same people appear in many
# digests: nameparser's parse is most of a card's cost, and a pure function of the name.
@lru_cache(maxsize=4096)
def parse_display_name(name: str) -> NameParts:
    """The parts of a display name: split where the split is faithful, else the whole name in
    the part its script files it under (see the module docstring)."""
    name = _one_line(name)
    scripts = scripts_of(name)
    if scripts and scripts <= FAMILY_NAME_FIRST:
        return NameParts(family=name)
    if scripts and scripts <= GIVEN_NAME_ONLY:
        return NameParts(given=name)
    words = name.replace(",", " ").split()
    if len(words) < 2:
        return NameParts(given=name)
    parsed = HumanName(name)
    parts = NameParts(prefix=parsed.title, given=parsed.first, additional=parsed.middle, family=parsed.last,
                      suffix=parsed.suffix)
    # nameparser reorders ("Smith, John"), moves words into titles or takes quoted nicknames
    # out; a split that does not give back the name word for word is a guess, and not ours.
    if parsed.nickname or parts.words() != words or not (parts.given and parts.family):
        return NameParts(given=name)
    return parts


def name_parts(card: Mapping) -> NameParts:
    """The parts of the name on a public card (attendees.cards.public_card): the person's own
    given and family name when they gave one, else the display name parsed; a prefix or suffix
    the person gave replaces the parsed one."""
    own = {key: _one_line(card.get(key)) for key in ("name_prefix", "given_name", "family_name", "name_suffix")}
    if own["given_name"] or own["family_name"]:
        return NameParts(prefix=own["name_prefix"], given=own["given_name"], family=own["family_name"],
                         suffix=own["name_suffix"])
    parts = parse_display_name(str(card.get("name") or ""))
    return replace(parts, prefix=own["name_prefix"] or parts.prefix, suffix=own["name_suffix"] or parts.suffix)
