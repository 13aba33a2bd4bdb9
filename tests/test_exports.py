"""Exports open cleanly: vCard (parsed back with vobject), CSV (BOM, formula-safe), JSON of everything."""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone

import pytest
import vobject
from test_contacts import connect
from test_vcard import assert_charset_where_not_ascii
from world_names import PEOPLE, n_parts

from eventnet.connections.models import Scan
from eventnet.extensions import db

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def people(make_event, make_attendee):
    """Me; Zoë (shares email and topics, hides phone); Hal (a hostile profile); both connected to me."""
    ev = make_event(slug="conf", timezone="America/New_York")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    zoe = make_attendee(ev, "zoe@example.org", "Zoë Ångström 李", company="Ørsted; Wind, Inc.", headline="Researcher",
                        phone="+49 30 555", can_help_with="graphs, rust", looking_for="a job",
                        shared_fields=["headline", "company", "email", "topics"])
    hal = make_attendee(ev, "hal@example.org", "@SUM(1+1)", company=HOSTILE, headline="-2+3",
                        phone="+1 555 0100", shared_fields=["headline", "company", "phone"])
    zoe_row = connect(me, zoe, note="Line one\nsecond, with; punctuation", tags=["rust", "ångström"], starred=True,
                      intent="coffee", created_at=datetime(2026, 5, 4, 14, 30, tzinfo=timezone.utc))
    hal_row = connect(me, hal, initiated=False, note="+1 call back", tags=["=evil"],
                      created_at=datetime(2026, 5, 4, 15, 0, tzinfo=timezone.utc))
    return ev, me, zoe, hal, zoe_row, hal_row


def download(client, url: str, mimetype: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    return response


def parse_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# ----------------------------------------------------------------------------- vCard


def test_one_contact_as_vcard(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    login(client, me)
    response = download(client, f"/e/conf/contacts/{zoe_row.id}.vcf", "text/vcard; charset=utf-8")
    assert "filename*=UTF-8''Zo%C3%AB%20%C3%85ngstr%C3%B6m%20%E6%9D%8E.vcf" in response.headers["Content-Disposition"]
    card = vobject.readOne(response.get_data(as_text=True))
    assert card.fn.value == "Zoë Ångström 李"
    assert card.org.value == ["Ørsted; Wind, Inc."]
    assert card.title.value == "Researcher"
    assert card.email.value == "zoe@example.org"
    assert not hasattr(card, "tel")  # Zoë does not share her phone
    assert "Line one\nsecond, with; punctuation" in card.note.value
    assert "Can help with: graphs, rust" in card.note.value
    assert card.categories.value == ["rust", "ångström"]


def test_all_contacts_as_one_vcf(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    login(client, me)
    response = download(client, "/e/conf/contacts/export.vcf", "text/vcard; charset=utf-8")
    assert 'filename="contacts-conf.vcf"' in response.headers["Content-Disposition"]
    cards = list(vobject.readComponents(response.get_data(as_text=True)))
    assert [c.fn.value for c in cards] == ["@SUM(1+1)", "Zoë Ångström 李"]  # newest first
    hal_card, zoe_card = cards
    assert hal_card.tel.value == "+1 555 0100" and hal_card.org.value == [HOSTILE]
    assert "+1 call back" in hal_card.note.value and hal_card.categories.value == ["=evil"]
    assert "zoe@example.org" not in response.get_data(as_text=True).replace(zoe_card.email.value, "", 1)


def test_vcard_of_someone_elses_contact_is_404(app, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    other = login(app.test_client(), zoe)
    assert other.get(f"/e/conf/contacts/{zoe_row.id}.vcf").status_code == 404
    assert other.get("/e/conf/contacts/999999.vcf").status_code == 404


def test_vcard_of_a_deleted_contact_says_why(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    db.session.delete(hal)
    db.session.commit()
    login(client, me)
    response = client.get(f"/e/conf/contacts/{hal_row.id}.vcf")
    assert response.status_code == 404
    assert "deleted their account" in response.get_data(as_text=True)
    all_cards = list(vobject.readComponents(client.get("/e/conf/contacts/export.vcf").get_data(as_text=True)))
    assert [c.fn.value for c in all_cards] == ["Zoë Ångström 李"]


@pytest.mark.parametrize("url", ["/e/conf/contacts/export.vcf", "/e/conf/contacts/export.csv",
                                 "/e/conf/contacts/export-outlook.csv", "/e/conf/contacts/export.json",
                                 "/e/conf/contacts/1.vcf"])
def test_exports_need_login(client, people, url):
    response = client.get(url)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


@pytest.fixture
def world(make_event, make_attendee):
    """Me, and one contact per script in world_names.PEOPLE, each with my note and tags in that script."""
    ev = make_event(slug="conf", name="Konferenz Köln")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    rows = {}
    for person in PEOPLE:
        contact = make_attendee(ev, person.email, person.name, company=person.company, headline="",
                                shared_fields=["company", "email"], **person.parts)
        rows[person.key] = connect(me, contact, note=person.note, tags=person.tags)
    return me, rows


def assert_is_person(vcard, person) -> None:
    assert vcard.fn.value == person.name
    assert n_parts(vcard) == person.n
    assert vcard.org.value == [person.company] and vcard.email.value == person.email
    assert vcard.note.value == f"{person.note}\n\nMet at Konferenz Köln."
    assert vcard.categories.value == person.tags


def test_names_in_every_script_in_one_contacts_vcard(client, login, world):
    me, rows = world
    login(client, me)
    for person in PEOPLE:
        response = download(client, f"/e/conf/contacts/{rows[person.key].id}.vcf", "text/vcard; charset=utf-8")
        assert response.get_data().startswith(b"BEGIN:VCARD\r\n"), "no byte order mark"
        text = response.get_data(as_text=True)
        assert_charset_where_not_ascii(text)
        assert_is_person(vobject.readOne(text), person)


def test_names_in_every_script_in_the_all_contacts_vcf(client, login, world):
    me, rows = world
    login(client, me)
    text = download(client, "/e/conf/contacts/export.vcf", "text/vcard; charset=utf-8").get_data(as_text=True)
    assert_charset_where_not_ascii(text)
    cards = {card.email.value: card for card in vobject.readComponents(text)}
    assert len(cards) == len(PEOPLE)
    for person in PEOPLE:
        assert_is_person(cards[person.email], person)


# ----------------------------------------------------------------------------- CSV


def test_csv_opens_cleanly_and_is_formula_safe(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    login(client, me)
    response = download(client, "/e/conf/contacts/export.csv", "text/csv; charset=utf-8")
    rows = parse_csv(response.get_data())
    assert list(rows[0].keys()) == [
        "name", "headline", "company", "email", "phone", "linkedin", "website", "can help with", "looking for",
        "note", "tags", "starred", "intent", "scanned me/I scanned", "met at (America/New_York)",
    ]
    hal_row_csv, zoe_csv = rows
    assert hal_row_csv["name"] == "'@SUM(1+1)"
    assert hal_row_csv["company"] == "'" + HOSTILE
    assert hal_row_csv["headline"] == "'-2+3"
    assert hal_row_csv["phone"] == "'+1 555 0100"
    assert hal_row_csv["note"] == "'+1 call back"
    assert hal_row_csv["tags"] == "'=evil"
    assert hal_row_csv["scanned me/I scanned"] == "Scanned me"
    assert hal_row_csv["met at (America/New_York)"] == "2026-05-04 11:00"  # the event's zone, not UTC
    assert zoe_csv["name"] == "Zoë Ångström 李"
    assert zoe_csv["company"] == "Ørsted; Wind, Inc." and zoe_csv["email"] == "zoe@example.org"
    assert zoe_csv["phone"] == ""  # not shared
    assert zoe_csv["can help with"] == "graphs, rust" and zoe_csv["looking for"] == "a job"
    assert zoe_csv["note"] == "Line one\nsecond, with; punctuation"
    assert zoe_csv["tags"] == "rust, ångström"
    assert zoe_csv["starred"] == "yes" and zoe_csv["intent"] == "Meet for coffee"
    assert zoe_csv["scanned me/I scanned"] == "I scanned"
    assert zoe_csv["met at (America/New_York)"] == "2026-05-04 10:30"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", HOSTILE])
def test_every_formula_start_is_neutralised(value):
    from eventnet.contacts.exports import safe_cell

    assert safe_cell(value) == "'" + value
    assert safe_cell("plain " + value) == "plain " + value


def test_csv_keeps_my_note_about_a_deleted_contact(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    db.session.delete(hal)
    db.session.commit()
    login(client, me)
    rows = parse_csv(client.get("/e/conf/contacts/export.csv").get_data())
    assert rows[0]["name"] == "A deleted attendee" and rows[0]["note"] == "'+1 call back"
    assert rows[0]["company"] == rows[0]["phone"] == ""


# ----------------------------------------------------------------------------- Outlook / Google CSV

OUTLOOK_COLUMNS = ["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Job Title",
                   "Business Phone", "Categories", "E-mail Address", "Notes", "Web Page"]


def test_outlook_csv_has_outlooks_columns_and_every_script_intact(client, login, world):
    me, rows = world
    login(client, me)
    response = download(client, "/e/conf/contacts/export-outlook.csv", "text/csv; charset=utf-8")
    assert 'filename="contacts-conf-outlook-google.csv"' in response.headers["Content-Disposition"]
    assert response.get_data().startswith(b"\xef\xbb\xbfTitle,First Name,Middle Name,Last Name,Suffix,")
    table = parse_csv(response.get_data())
    assert list(table[0].keys()) == OUTLOOK_COLUMNS
    by_email = {row["E-mail Address"]: row for row in table}
    assert len(by_email) == len(PEOPLE)
    for person in PEOPLE:
        row = by_email[person.email]
        family, given, additional, prefix, suffix = person.n
        assert (row["Title"], row["First Name"], row["Middle Name"], row["Last Name"], row["Suffix"]) == (
            prefix, given, additional, family, suffix), person.key
        assert row["Company"] == person.company and row["Job Title"] == ""
        assert row["Notes"] == f"{person.note}\n\nMet at Konferenz Köln."
        assert row["Categories"] == ";".join(person.tags)
        assert row["Business Phone"] == row["Web Page"] == ""  # not shared


def test_outlook_csv_is_spreadsheet_safe_and_keeps_phone_numbers_importable(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    hal.website, hal.linkedin = "https://hal.example.org/", "https://www.linkedin.com/in/hal"
    hal.links = [{"label": "Talk", "url": "https://talks.example.org/hal"}]
    hal.shared_fields = ["headline", "company", "phone", "website", "linkedin", "links"]
    zoe_row.tags = ["a;b", "c, d"]
    db.session.commit()
    login(client, me)
    hal_csv, zoe_csv = parse_csv(client.get("/e/conf/contacts/export-outlook.csv").get_data())
    assert hal_csv["First Name"] == "'@SUM(1+1)" and hal_csv["Last Name"] == ""
    assert hal_csv["Company"] == "'" + HOSTILE and hal_csv["Job Title"] == "'-2+3"
    assert hal_csv["Categories"] == "'=evil"
    assert hal_csv["Notes"].startswith("'+1 call back\n\nMet at ")
    # A phone number of digits and + ( ) - . cannot run anything: it stays importable as typed.
    assert hal_csv["Business Phone"] == "+1 555 0100"
    assert hal_csv["Web Page"] == "https://hal.example.org/"
    assert hal_csv["Notes"].endswith("\n\nLinkedIn: https://www.linkedin.com/in/hal\nTalk: https://talks.example.org/hal")
    assert (zoe_csv["First Name"], zoe_csv["Middle Name"], zoe_csv["Last Name"]) == ("Zoë", "Ångström", "李")
    assert zoe_csv["Categories"] == "a b;c d"  # a separator inside a tag does not split it
    for row in (hal_csv, zoe_csv):
        for column, value in row.items():
            if column != "Business Phone":
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("phone", ["=1+1", "+1 555 0100 =cmd|' /C calc'!A0", "-2+3", "@SUM(1)"])
def test_an_outlook_phone_cell_that_is_not_a_phone_number_is_neutralised(phone):
    from eventnet.contacts.outlook_csv import AddressBookEntry, outlook_row

    row = outlook_row(AddressBookEntry({"name": "Eve", "phone": phone}), None)
    assert row[7] == "'" + phone


def test_the_outlook_csv_leaves_out_deleted_contacts(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    db.session.delete(hal)
    db.session.commit()
    login(client, me)
    rows = parse_csv(client.get("/e/conf/contacts/export-outlook.csv").get_data())
    assert [row["E-mail Address"] for row in rows] == ["zoe@example.org"]


def test_the_book_offers_the_outlook_csv_and_says_who_it_is_for(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    login(client, me)
    page = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert 'href="/e/conf/contacts/export-outlook.csv"' in page and "For Outlook or Google (.csv)" in page
    assert "Outlook on Windows takes only the first contact of a .vcf file" in page


# ----------------------------------------------------------------------------- JSON


def test_json_holds_everything_i_own(client, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    db.session.add(Scan(event_id=ev.id, scanner_id=me.id, scanned_id=zoe.id, connection_id=zoe_row.id,
                        client_uuid=str(uuid.uuid4()), received_at=datetime(2026, 5, 4, 14, 30, tzinfo=timezone.utc),
                        created_connection=True))
    db.session.add(Scan(event_id=ev.id, scanner_id=hal.id, scanned_id=me.id, connection_id=None,
                        client_uuid=str(uuid.uuid4()), created_connection=True))  # Hal's scan: not mine
    db.session.commit()
    login(client, me)
    response = download(client, "/e/conf/contacts/export.json", "application/json")
    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "eventnet-export" and data["event"]["slug"] == "conf"
    assert data["profile"]["email"] == "me@example.org" and data["profile"]["name"] == "Mia Me"
    assert "shared_fields" in data["profile"]
    assert "code_attempts" not in data["profile"] and "badge_token" not in data["profile"]
    hal_json, zoe_json = data["contacts"]
    assert zoe_json["contact"]["name"] == "Zoë Ångström 李" and "phone" not in zoe_json["contact"]
    assert zoe_json["contact"]["can_help_with"] == ["graphs", "rust"]
    assert zoe_json["note"] == "Line one\nsecond, with; punctuation"
    assert zoe_json["tags"] == ["rust", "ångström"] and zoe_json["starred"] is True
    assert zoe_json["intent"] == "coffee" and zoe_json["how_we_met"] == "i_scanned"
    assert hal_json["how_we_met"] == "scanned_me" and hal_json["contact"]["phone"] == "+1 555 0100"
    assert [s["contact_id"] for s in data["scans"]] == [zoe_row.id]


# ----------------------------------------------------------------------------- privacy


def test_another_attendees_exports_never_contain_my_notes(app, login, people):
    ev, me, zoe, hal, zoe_row, hal_row = people
    other = login(app.test_client(), zoe)
    for url in ("/e/conf/contacts/export.vcf", "/e/conf/contacts/export.csv", "/e/conf/contacts/export.json",
                "/e/conf/contacts/export-outlook.csv", "/e/conf/contacts/", f"/e/conf/contacts/{zoe_row.id + 1}.vcf"):
        response = other.get(url)
        assert response.status_code == 200, url  # Zoë's own side of our exchange...
        body = response.get_data().decode("utf-8-sig")
        assert "Mia Me" in body or ",Mia,,Me," in body  # the Outlook CSV has the name in parts
        # ...holds none of my notes or tags about her, nor my star or intent.
        for mine in ("Line one", "punctuation", "ångström", "call back"):
            assert mine not in body, (url, mine)
    data = json.loads(other.get("/e/conf/contacts/export.json").get_data(as_text=True))
    assert [(c["note"], c["tags"], c["starred"], c["intent"]) for c in data["contacts"]] == [("", [], False, "none")]


def test_exports_and_book_follow_a_sharing_change(client, app, login, people):
    """Zoë stops sharing her company and starts sharing her phone: my book and exports follow at once."""
    ev, me, zoe, hal, zoe_row, hal_row = people
    login(client, me)
    assert "Ørsted" in client.get("/e/conf/contacts/").get_data(as_text=True)

    login(client, zoe)
    change_sharing(client, zoe, share=["headline", "email", "phone", "topics"])
    login(client, me)

    book = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert "Ørsted" not in book and "Zoë Ångström 李" in book
    assert "Zoë Ångström 李" not in client.get("/e/conf/contacts/?q=orsted").get_data(as_text=True)
    card = vobject.readOne(client.get(f"/e/conf/contacts/{zoe_row.id}.vcf").get_data(as_text=True))
    assert not hasattr(card, "org") and card.tel.value == "+49 30 555"
    zoe_csv = parse_csv(client.get("/e/conf/contacts/export.csv").get_data())[1]
    assert zoe_csv["company"] == "" and zoe_csv["phone"] == "'+49 30 555"
    data = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    assert "company" not in data["contacts"][1]["contact"] and data["contacts"][1]["contact"]["phone"] == "+49 30 555"


def change_sharing(client, attendee, share: list[str]) -> None:
    """Change what `attendee` shares the way they do it: the profile form, everything else kept."""
    from conftest import csrf_token

    db.session.refresh(attendee)
    form = {name: getattr(attendee, name) or "" for name in
            ("name", "headline", "company", "bio", "phone", "linkedin", "website", "can_help_with", "looking_for")}
    form.update(csrf_token=csrf_token(client, "/e/conf/profile"), share=share)
    response = client.post("/e/conf/profile", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    db.session.refresh(attendee)
    assert sorted(attendee.shared_fields) == sorted(share)
