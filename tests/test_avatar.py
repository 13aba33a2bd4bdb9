"""Initials for people without a photo: the letters and colour a face falls back to."""
import pytest

from eventnet.templating import AVATAR_HUES, avatar_hue, initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ana María Herrera Díaz", "AD"),
        ("ana", "A"),
        ("李雷", "李"),
        ("Ørjan  Ødegård", "ØØ"),
        ("  ", "?"),
        ("", "?"),
        (None, "?"),
        ("— Zoë", "Z"),  # a dash alone is not a word
        ("'t Hooft Gerard", "TG"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_hue_is_stable_and_in_range():
    assert avatar_hue("Ana") == avatar_hue("Ana")
    assert {avatar_hue(n) for n in ["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "Gus"]} <= set(range(AVATAR_HUES))
