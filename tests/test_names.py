"""The parts of a name address books file a person under: the person's own, else a faithful parse."""
from __future__ import annotations

import pytest

from eventnet.attendees.cards import public_card
from eventnet.attendees.names import NameParts, name_parts, parse_display_name

P = NameParts


@pytest.mark.parametrize("name, parts", [
    ("Ada Lovelace", P(given="Ada", family="Lovelace")),
    ("Jürgen Müller", P(given="Jürgen", family="Müller")),
    # Today's code took the last word as the family name: N:III;Hal Daumé;;;
    ("Hal Daumé III", P(given="Hal", family="Daumé", suffix="III")),
    ("Dr. Amara Nwosu", P(prefix="Dr.", given="Amara", family="Nwosu")),
    ("Martin Luther King, Jr.", P(given="Martin", additional="Luther", family="King", suffix="Jr.")),
    ("Ludwig van Beethoven", P(given="Ludwig", family="van Beethoven")),
    # A middle word is a middle name or a first surname; either way the parts read as written.
    ("Tomás Herrera Díaz", P(given="Tomás", additional="Herrera", family="Díaz")),
    ("נועה כהן", P(given="נועה", family="כהן")),
    ("प्रिया शर्मा", P(given="प्रिया", family="शर्मा")),
    ("Ярослава Іваненко", P(given="Ярослава", family="Іваненко")),
    # One word: a given name, as phones file a one-word contact.
    ("Cher", P(given="Cher")),
    # Chinese, Japanese, Korean: family name first, the whole name is never split by guessing.
    ("山田太郎", P(family="山田太郎")),
    ("王秀英", P(family="王秀英")),
    ("김민준", P(family="김민준")),
    ("山田 太郎", P(family="山田 太郎")),
    # Thai: filed by given name; the whole name is the given name.
    ("สมชาย ใจดี", P(given="สมชาย ใจดี")),
    # Splits that would not give back the name word for word are not made.
    ("Smith, John", P(given="Smith, John")),
    ('Zoë "Z" Ångström', P(given='Zoë "Z" Ångström')),
    ("@SUM(1+1)", P(given="@SUM(1+1)")),
    ("  Ada \t  Lovelace ", P(given="Ada", family="Lovelace")),
])
def test_display_names_split_only_where_the_split_is_faithful(name, parts):
    assert parse_display_name(name) == parts


def test_the_persons_own_parts_win_and_are_never_re_split():
    card = {"name": "Tomás Herrera Díaz", "given_name": "Tomás", "family_name": "Herrera Díaz"}
    assert name_parts(card) == P(given="Tomás", family="Herrera Díaz")
    # Only a prefix given: the display name is parsed, the person's prefix wins.
    assert name_parts({"name": "Amara Nwosu", "name_prefix": "Dr."}) == P(prefix="Dr.", given="Amara", family="Nwosu")
    assert name_parts({"name": "山田太郎", "given_name": "太郎", "family_name": "山田"}) == P(given="太郎", family="山田")


def test_public_card_carries_the_name_parts_with_the_name(make_event, make_attendee):
    event = make_event()
    amara = make_attendee(event, "amara@example.org", "Amara Nwosu", shared_fields=[], name_prefix="Dr.",
                          given_name="Amara", family_name="Nwosu")
    card = public_card(amara)
    assert card == {"name": "Amara Nwosu", "name_prefix": "Dr.", "given_name": "Amara", "family_name": "Nwosu"}
    assert "name_suffix" not in card  # empty parts are left out, like every other empty field
    assert public_card(make_attendee(event, "cher@example.org", "Cher", shared_fields=[])) == {"name": "Cher"}
