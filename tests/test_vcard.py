"""vCards: valid 3.0 that vobject reads back exactly, hostile values included, shared fields only."""
from __future__ import annotations

import pytest
import vobject
from world_names import PEOPLE, n_parts

from eventnet.badges.services import reissue_badge
from eventnet.badges.vcard import _add, _clean, card_component, content_disposition, note_text, vcard_for, vcards

HOSTILE = {
    "name": "Zoë \"Z\" Ångström-O'Brien, Jr.; \\ the 3rd 🦄",
    "headline": "Data, pipelines; and \\ backslashes",
    "company": "Acme; Inc., Berlin\\Paris",
    "email": "zoe@example.org",
    "phone": "+49 (30) 123-456",
    "linkedin": "https://www.linkedin.com/in/zoë,x;y",
    "website": "https://example.org/a?b=1&c=2",
    "links": [{"label": "Blog", "url": "https://blog.example.org/ünïcode/" + "x" * 120}],
    "bio": "Line one,\nline two; with a tab\tand 🎉 emoji\r\nand a CRLF " + "é" * 80,
    "can_help_with": ["Python", "data, eng"],
    "looking_for": ["hiring"],
}


def parse(text: str):
    return vobject.readOne(text)


def logical_lines(text: str) -> list[str]:
    """The content lines of a vCard, unfolded (RFC 2425 5.8.1: CRLF + one space is removed)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def assert_charset_where_not_ascii(text: str) -> None:
    """Every property whose value is not ASCII says CHARSET=UTF-8; ASCII ones carry no charset."""
    assert not text.startswith("\ufeff"), "no byte order mark: Android's importer wants BEGIN:VCARD first"
    for line in logical_lines(text):
        head, _, value = line.partition(":")
        if value.isascii():
            assert "CHARSET" not in head, line
        else:
            assert ";CHARSET=UTF-8" in head, line


def physical_lines(text: str) -> list[bytes]:
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    lines = raw[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "bare LF or CR in the vCard"
    return lines


def test_minimal_card_is_valid_vcard_3():
    text = vcard_for({"name": "Ada Lovelace"})
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and text.endswith("END:VCARD\r\n")
    card = parse(text)
    assert card.fn.value == "Ada Lovelace"
    assert (card.n.value.family, card.n.value.given) == ("Lovelace", "Ada")
    for absent in ("email", "tel", "url", "org", "title", "note"):
        assert absent not in card.contents


def test_every_field_round_trips_through_vobject():
    text = vcard_for(HOSTILE, note="Talked about\nQR codes, vCards; and \\o/", categories=["ml", "a,b", "c;d"],
                     event_name="PyCon; 2026")
    card = parse(text)
    assert card.fn.value == HOSTILE["name"]
    # No faithful split of this name exists (a quoted nickname, "the 3rd" after a comma): it is
    # filed whole under the given name rather than under a guessed family name "🦄".
    assert (card.n.value.given, card.n.value.family, card.n.value.additional) == (HOSTILE["name"], "", "")
    assert card.org.value == [HOSTILE["company"]]
    assert card.title.value == HOSTILE["headline"]
    assert card.email.value == "zoe@example.org"
    assert card.tel.value == "+49 (30) 123-456"
    urls = [line.value for line in card.contents["url"]]
    assert urls[0] == "https://www.linkedin.com/in/zo%C3%AB%2Cx%3By"  # commas/semicolons percent-encoded
    assert urls[1] == "https://example.org/a?b=1&c=2"
    assert urls[2] == "https://blog.example.org/%C3%BCn%C3%AFcode/" + "x" * 120
    note = card.note.value
    assert note.startswith("Talked about\nQR codes, vCards; and \\o/\n\nMet at PyCon; 2026.\n\n")
    assert "Line one,\nline two; with a tab and 🎉 emoji\nand a CRLF " + "é" * 80 in note
    assert "Can help with: Python, data, eng" in note and "Looking for: hiring" in note
    assert card.categories.value == ["ml", "a,b", "c;d"]
    assert_charset_where_not_ascii(text)


def test_long_lines_fold_at_75_octets_without_splitting_utf8():
    text = vcard_for(HOSTILE, note="ü" * 300 + "🦄" * 50)
    lines = physical_lines(text)
    assert any(line.startswith(b" ") for line in lines), "nothing was folded"
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises if a fold split a multi-byte character
    assert "ü" * 300 + "🦄" * 50 in parse(text).note.value


def test_vobjects_folding_leaves_lines_under_75_characters_whole():
    """vobject folds by octets only lines of 75 characters or more (badges/vcard.py docstring):
    a short CJK name stays one line of more than 75 octets, which readers take (RFC 2425 5.8.1)."""
    name = "山田太郎" * 6
    text = vcard_for({"name": name})
    for line in physical_lines(text):
        line.decode("utf-8")
        assert len(line) <= 75 or len(line.decode("utf-8")) < 75, line
    assert b"FN;CHARSET=UTF-8:" + name.encode() in physical_lines(text)
    assert parse(text).fn.value == name


def test_fold_boundaries():
    def note_lines(value: str) -> list[bytes]:
        lines = physical_lines(vcard_for({"name": "A"}, note=value))
        start = next(i for i, line in enumerate(lines) if line.startswith(b"NOTE"))
        return lines[start:start + 2]

    assert note_lines("A" * 70)[0] == b"NOTE:" + b"A" * 70  # 75 octets: one line
    assert note_lines("A" * 71) == [b"NOTE:" + b"A" * 70, b" A"]
    # 74 ASCII octets and a 2-octet character: the character moves whole to the next line.
    assert note_lines("A" * 69 + "é") == [b"NOTE;CHARSET=UTF-8:" + b"A" * 56, b" " + b"A" * 13 + "é".encode()]


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.key)
def test_names_in_every_script_arrive_whole_with_their_parts(person):
    card = {"name": person.name, **person.parts, "company": person.company, "email": person.email}
    text = vcard_for(card, note=person.note, categories=person.tags, event_name="Conf")
    vcard = parse(text)
    assert vcard.fn.value == person.name
    assert n_parts(vcard) == person.n
    assert vcard.org.value == [person.company] and vcard.email.value == person.email
    assert vcard.note.value == f"{person.note}\n\nMet at Conf."
    assert vcard.categories.value == person.tags
    assert_charset_where_not_ascii(text)
    values = {"fn": [person.name], "n": person.n, "org": [person.company], "note": [person.note],
              "categories": person.tags}
    for prop, parts in values.items():
        expected = [] if all(part.isascii() for part in parts) else ["UTF-8"]
        assert vcard.contents[prop][0].params.get("CHARSET", []) == expected, prop


def test_control_characters_cannot_inject_properties():
    text = vcard_for({"name": "Eve\r\nEMAIL:evil@example.org", "company": "X\x00\x1b[31m"})
    card = parse(text)
    assert "email" not in card.contents
    assert card.fn.value == "Eve\nEMAIL:evil@example.org"
    assert card.org.value == ["X[31m"]


def test_several_cards_in_one_file():
    text = vcards([{"name": "One Person"}, {"name": "Two, Person", "email": "two@example.org"}])
    cards = list(vobject.readComponents(text))
    assert [c.fn.value for c in cards] == ["One Person", "Two, Person"]
    assert cards[1].email.value == "two@example.org"


def test_content_disposition_has_ascii_and_utf8_names():
    header = content_disposition('Zoë "Z" Ångström/..')
    assert header.startswith('attachment; filename="zoe-z-angstrom.vcf"; ')
    assert header.endswith("filename*=UTF-8''Zo%C3%AB%20Z%20%C3%85ngstr%C3%B6m.vcf")
    assert content_disposition("🦄").startswith('attachment; filename="contact.vcf"')


# ----------------------------------------------------------------------------- the download


def test_badge_vcard_download_holds_only_shared_fields(client, make_event, make_attendee):
    event = make_event(slug="conf", name="Conf, 2026")
    zoe = make_attendee(event, "zoe@example.org", "Zoë Ångström", company="Acme; Inc", headline="CTO, founder",
                        phone="+49 30 1234567", website="https://zoe.example.org", bio="Hi,\nthere")
    response = client.get(f"/b/{zoe.badge_token}/contact.vcf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"zoe-angstrom.vcf\"; filename*=UTF-8''Zo%C3%AB%20%C3%85ngstr%C3%B6m.vcf"
    )
    assert response.get_data().startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")  # UTF-8, no byte order mark
    body = response.get_data(as_text=True)
    physical_lines(body)
    assert_charset_where_not_ascii(body)
    card = parse(body)
    assert card.fn.value == "Zoë Ångström"
    assert (card.n.value.given, card.n.value.family) == ("Zoë", "Ångström")
    assert card.org.value == ["Acme; Inc"] and card.title.value == "CTO, founder"
    assert card.email.value == "zoe@example.org"
    assert card.url.value == "https://zoe.example.org"
    assert "Met at Conf, 2026." in card.note.value and "Hi,\nthere" in card.note.value
    assert "tel" not in card.contents  # phone is not shared by default
    assert "1234567" not in body

    zoe.shared_fields = ["phone"]
    from eventnet.extensions import db

    db.session.commit()
    card = parse(client.get(f"/b/{zoe.badge_token}/contact.vcf").get_data(as_text=True))
    assert card.tel.value == "+49 30 1234567"
    for hidden in ("email", "org", "title", "url"):
        assert hidden not in card.contents
    assert "Hi," not in card.note.value


def test_badge_vcard_files_the_name_by_the_persons_own_parts(client, make_event, make_attendee):
    amara = make_attendee(make_event(), "amara@example.org", "Amara Nwosu", name_prefix="Dr.", given_name="Amara",
                          family_name="Nwosu")
    card = parse(client.get(f"/b/{amara.badge_token}/contact.vcf").get_data(as_text=True))
    assert card.fn.value == "Amara Nwosu"
    assert (card.n.value.prefix, card.n.value.given, card.n.value.family) == ("Dr.", "Amara", "Nwosu")


def test_vcard_of_unknown_or_replaced_badge(client, make_event, make_attendee):
    attendee = make_attendee(make_event())
    old = attendee.badge_token
    reissue_badge(attendee)
    gone = client.get(f"/b/{old}/contact.vcf")
    assert gone.status_code == 410 and "This badge was replaced" in gone.get_data(as_text=True)
    unknown = client.get("/b/nobody-has-this-token/contact.vcf")
    assert unknown.status_code == 404 and "This badge is not known" in unknown.get_data(as_text=True)
    assert client.get(f"/b/{attendee.badge_token}/contact.vcf").status_code == 200


def whole_through_vobject(card: dict, note: str | None, categories: list[str] | None, event_name: str | None) -> str:
    """The vCard as vobject serializes it in one piece: what vcard_for's reuse of a contact's own
    properties must give byte for byte."""
    vcard = card_component(card)
    text = note_text(card, note, event_name)
    if text:
        _add(vcard, "note", _clean(text))
    tags = [_clean(tag).strip() for tag in categories or () if _clean(tag).strip()]
    if tags:
        _add(vcard, "categories", tags)
    return vcard.serialize()


@pytest.mark.parametrize("card", [HOSTILE, {"name": "Ada"}, {"name": "", "email": "a@example.org"},
                                  *({"name": p.name, **p.parts, "company": p.company, "email": p.email} for p in PEOPLE)],
                         ids=lambda card: card.get("email") or card.get("name")[:12] or "unnamed")
@pytest.mark.parametrize("note, categories", [(None, None), ("Met at the booth; " + "ü" * 90, None),
                                              (None, ["python", "data, eng", " "]),
                                              ("Line one\nline two", ["zeta", "alpha"])])
def test_reusing_a_contacts_own_properties_gives_the_bytes_vobject_gives_whole(card, note, categories):
    # Twice: the second time from the reused properties.
    for _ in range(2):
        assert vcard_for(card, note=note, categories=categories, event_name="Conf 2026") == \
            whole_through_vobject(card, note, categories, "Conf 2026")
