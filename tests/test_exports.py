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
                                 "/e/conf/contacts/export.json", "/e/conf/contacts/1.vcf"])
def test_exports_need_login(client, people, url):
    response = client.get(url)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


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
                "/e/conf/contacts/", f"/e/conf/contacts/{zoe_row.id + 1}.vcf"):
        response = other.get(url)
        assert response.status_code == 200, url  # Zoë's own side of our exchange...
        body = response.get_data().decode("utf-8-sig")
        assert "Mia Me" in body
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
