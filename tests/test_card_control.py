"""My card, per person (issue 14, item 5): what each holder of my card gets, taking it back,
sharing it again, and an expiry after the event.

The privacy rules are tested over every surface the holder can reach: contact page, badge page
logged in, book, search, vCard one and all, CSV, Outlook CSV, JSON export, digest text, HTML,
.vcf and inline photos, and the scan's own answer. Ana owns the card; Bob holds it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from flask import g
from sqlalchemy import event as sa_event

from conftest import csrf_token
from eventnet.attendees.cards import add_months, card_for, public_card
from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.digests import build
from eventnet.extensions import db
from eventnet.photos.services import set_photo
from test_digest_faces import jpeg

HEADLINE, COMPANY, BIO = "ANA-HEADLINE-Q", "ANA-COMPANY-Q", "ANA-BIO-Q"
BOB_NOTE = "BOB-ABOUT-ANA"


@pytest.fixture
def pair(make_event, make_attendee):
    """Bob scanned Ana at PyConf, which ended yesterday; Ana has a photo and a full profile;
    Cleo exchanged with Bob only. Returns (event, ana, bob, cleo, ana's row, bob's row)."""
    now = utcnow()
    event = make_event(slug="conf", name="PyConf", starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    event.scan_closes_at = now + timedelta(hours=1)
    db.session.commit()
    ana = make_attendee(event, "ana@example.org", "Ana Alves", headline=HEADLINE, company=COMPANY, bio=BIO,
                        website="https://ana.example.org", phone="+1 555 0100")
    bob = make_attendee(event, "bob@example.org", "Bob Brown")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Cruz")
    set_photo(ana, jpeg((200, 30, 30)))
    db.session.commit()
    record_scan(bob, ana.badge_token, str(uuid.uuid4()))
    record_scan(bob, cleo.badge_token, str(uuid.uuid4()))
    rows = {(c.owner_id, c.contact_id): c for c in db.session.execute(db.select(Connection)).scalars()}
    rows[(bob.id, ana.id)].note = BOB_NOTE
    rows[(bob.id, ana.id)].intent = "send"
    db.session.commit()
    return event, ana, bob, cleo, rows[(ana.id, bob.id)], rows[(bob.id, ana.id)]


def token(client, url: str) -> str:
    g.pop("csrf_token", None)  # the test's app context is shared: each client its own token
    return csrf_token(client, url)


def post(client, url: str, data: dict | None = None, page: str = "/e/conf/card/holders"):
    return client.post(url, data={"csrf_token": token(client, page), **(data or {})})


def fresh(model, id_: int):
    db.session.expire_all()
    return db.session.get(model, id_)


def seen_by(client, holder: Attendee, copy: Connection, ana: Attendee) -> dict[str, str]:
    """Every page, file and email of the holder's that can show Ana's card."""
    urls = [
        f"/e/conf/contacts/{copy.id}", "/e/conf/contacts/", "/e/conf/contacts/?q=Alves",
        f"/e/conf/contacts/{copy.id}.vcf", "/e/conf/contacts/export.vcf", "/e/conf/contacts/export.csv",
        "/e/conf/contacts/export-outlook.csv", "/e/conf/contacts/export.json", f"/b/{ana.badge_token}",
        f"/b/{ana.badge_token}/contact.vcf", "/e/conf/digest/preview", "/e/conf/digest/preview/email.html",
    ]
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.get_data(as_text=True)
    digest = build.build_digest(fresh(Attendee, holder.id))
    text, html = build.render(digest)
    seen["digest.txt"], seen["digest.html"], seen["digest.vcf"] = text, html, digest.vcf or ""
    seen["digest faces"] = " ".join(e.photo.content_id for e in digest.entries if e.photo)
    reminder = build.build_reminder(fresh(Attendee, holder.id), 30)
    seen["reminder"] = "\n".join(build.render(reminder))
    return seen


def leaks(seen: dict[str, str], *markers: str) -> list[str]:
    return [f"{marker} in {where}" for where, body in seen.items() for marker in markers if marker in body]


def ana_in_json(seen: dict[str, str]) -> dict:
    export = json.loads(seen["/e/conf/contacts/export.json"])
    return next(c for c in export["contacts"] if c["contact"] and c["contact"]["name"] == "Ana Alves")


# ----------------------------------------------------------------------------- the privacy rules

def test_by_default_the_holder_gets_the_profiles_card(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    seen = seen_by(login(app.test_client(), bob), bob, bob_row, ana)
    assert HEADLINE in seen[f"/e/conf/contacts/{bob_row.id}"]
    assert HEADLINE in seen["digest.html"] and COMPANY in seen["digest.vcf"]
    assert ana.photo_key in seen[f"/e/conf/contacts/{bob_row.id}"] and seen["digest faces"]
    assert "+1 555 0100" not in str(seen)  # the profile does not share the phone
    assert ana_in_json(seen)["contact"]["company"] == COMPANY


def test_a_narrowed_card_shows_only_the_given_fields_everywhere(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    # "phone" is not shared on Ana's profile: giving it to one person cannot widen the card.
    response = post(ana_client, f"/e/conf/card/holders/{bob.id}/fields", {"fields": ["company", "phone"]})
    assert response.status_code == 303
    assert fresh(Connection, bob_row.id).card_fields == ["company", "phone"]

    seen = seen_by(bob_client, bob, bob_row, ana)
    assert leaks(seen, HEADLINE, BIO, "ana@example.org", "ana.example.org", ana.photo_key, "+1 555 0100") == []
    assert COMPANY in seen[f"/e/conf/contacts/{bob_row.id}"] and COMPANY in seen["digest.vcf"]
    assert COMPANY in seen["/e/conf/contacts/export.csv"] and COMPANY in seen["/e/conf/contacts/export-outlook.csv"]
    assert seen["digest faces"] == "" and "mailto:ana@" not in seen["digest.html"]
    assert ana_in_json(seen)["contact"] == {"name": "Ana Alves", "company": COMPANY}
    # Cleo, who holds no copy of Ana's, sees Ana's badge as anyone does: the public card.
    cleo_client = login(app.test_client(), cleo)
    assert HEADLINE in cleo_client.get(f"/b/{ana.badge_token}").get_data(as_text=True)

    # Back to the profile's defaults: everything the profile shares, and later changes follow.
    post(ana_client, f"/e/conf/card/holders/{bob.id}/fields", {"defaults": "1"})
    assert fresh(Connection, bob_row.id).card_fields is None
    assert HEADLINE in bob_client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)


def test_a_card_taken_back_is_the_name_only_everywhere_and_the_holders_note_stays(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    url = f"/e/conf/card/holders/{bob.id}/take-back"
    # Without the confirmation, the POST only asks.
    asked = post(ana_client, url)
    assert asked.status_code == 200 and "Take your card back from Bob Brown?" in asked.get_data(as_text=True)
    assert fresh(Connection, bob_row.id).card_revoked_at is None
    assert post(ana_client, url, {"confirm": "1"}).status_code == 303
    assert fresh(Connection, bob_row.id).card_revoked_at is not None

    seen = seen_by(bob_client, bob, bob_row, ana)
    assert leaks(seen, HEADLINE, COMPANY, BIO, "ana@example.org", "ana.example.org", ana.photo_key) == []
    assert seen["digest faces"] == ""
    page = seen[f"/e/conf/contacts/{bob_row.id}"]
    assert "Ana Alves · met at PyConf" in page and BOB_NOTE in page  # his own note stays his
    assert "Ana Alves · met at PyConf" in seen[f"/b/{ana.badge_token}"]
    single = seen[f"/e/conf/contacts/{bob_row.id}.vcf"]
    properties = {line.split(":")[0].split(";")[0] for line in single.splitlines() if line[:1].isalpha()}
    assert properties <= {"BEGIN", "VERSION", "PRODID", "FN", "N", "NOTE", "END"}, properties
    assert "FN" in properties and "NOTE" in properties
    assert ana_in_json(seen)["contact"] == {"name": "Ana Alves"}
    # The scan's own answer (JSON and sheet) when Bob scans her badge again says the name only.
    assert record_scan(bob, ana.badge_token, str(uuid.uuid4())).card == {"name": "Ana Alves"}

    # Ana's list of holders says so, and "Share again" gives back what he had.
    holders = ana_client.get("/e/conf/card/holders").get_data(as_text=True)
    assert "Bob Brown" in holders and "card taken back" in holders
    post(ana_client, f"/e/conf/card/holders/{bob.id}/share-again", page=f"/e/conf/card/holders/{bob.id}")
    assert fresh(Connection, bob_row.id).card_revoked_at is None
    assert HEADLINE in bob_client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)


def test_removing_him_from_my_list_does_not_give_back_a_card_taken_back(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    confirm = ana_client.get(f"/e/conf/contacts/{ana_row.id}/remove").get_data(as_text=True)
    assert "This changes only your list" in confirm and f"/e/conf/card/holders/{bob.id}" in confirm
    post(ana_client, f"/e/conf/card/holders/{bob.id}/take-back", {"confirm": "1"})
    removed = ana_client.post(f"/e/conf/contacts/{ana_row.id}/remove",
                              data={"csrf_token": token(ana_client, f"/e/conf/contacts/{ana_row.id}/remove")})
    assert removed.status_code in (302, 303) and fresh(Connection, ana_row.id) is None
    assert HEADLINE not in bob_client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)
    assert "Bob Brown" in ana_client.get("/e/conf/card/holders").get_data(as_text=True)


def test_expiry_shrinks_every_copy_after_the_event_plus_n_months(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    assert post(ana_client, "/e/conf/card/expiry", {"months": "3"}).status_code == 303
    assert fresh(Attendee, ana.id).card_expiry_months == 3
    ana = fresh(Attendee, ana.id)
    expiry = add_months(event.ends_at, 3)
    copy = fresh(Connection, bob_row.id)
    assert card_for(ana, copy, now=expiry - timedelta(microseconds=1))["headline"] == HEADLINE
    assert card_for(ana, copy, now=expiry) == {"name": "Ana Alves"}

    # Through the app: the event ended four months ago.
    event = fresh(type(event), event.id)
    event.starts_at, event.ends_at = utcnow() - timedelta(days=125), utcnow() - timedelta(days=124)
    db.session.commit()
    seen = seen_by(bob_client, bob, bob_row, ana)
    assert leaks(seen, HEADLINE, COMPANY, BIO, "ana@example.org", ana.photo_key) == []
    assert "(expired)" in ana_client.get("/e/conf/card/holders").get_data(as_text=True)
    # A longer expiry, or none, and the card is back.
    post(ana_client, "/e/conf/card/expiry", {"months": "6"})
    assert HEADLINE in bob_client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)
    post(ana_client, "/e/conf/card/expiry", {"months": "never"})
    assert fresh(Attendee, ana.id).card_expiry_months is None


def test_add_months_clamps_to_the_months_last_day():
    jan31 = datetime(2027, 1, 31, 18, 0, tzinfo=timezone.utc)
    assert add_months(jan31, 1) == datetime(2027, 2, 28, 18, 0, tzinfo=timezone.utc)
    assert add_months(jan31, 13) == datetime(2028, 2, 29, 18, 0, tzinfo=timezone.utc)
    assert add_months(jan31, 24) == datetime(2029, 1, 31, 18, 0, tzinfo=timezone.utc)


def test_narrowing_never_widens_the_profile(pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    bob_row.card_fields = ["phone", "headline"]
    assert card_for(ana, bob_row) == {k: v for k, v in public_card(ana).items() if k in ("name", "headline")}


# ----------------------------------------------------------------------------- pages and rules of access

def test_holders_page_lists_who_has_my_card_and_what_they_get(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    bob_client = login(app.test_client(), bob)
    page = bob_client.get("/e/conf/card/holders").get_data(as_text=True)
    assert "2 people have your card" in page and "Ana Alves" in page and "Cleo Cruz" in page
    assert "Profile defaults: Photo, Headline, Company" in page
    assert "changes only your list" in page
    # Linked from home and profile, and the contact page says what they get, with a Change link.
    assert "/e/conf/card/holders" in bob_client.get("/e/conf/").get_data(as_text=True)
    assert "/e/conf/card/holders" in bob_client.get("/e/conf/profile").get_data(as_text=True)
    contact = bob_client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)
    assert "What they get of your card:" in contact and f"/e/conf/card/holders/{ana.id}" in contact
    holder = bob_client.get(f"/e/conf/card/holders/{ana.id}").get_data(as_text=True)
    assert 'name="fields" value="headline" checked' in holder
    assert 'name="fields" value="phone" disabled' in holder  # Bob's profile does not share it


def test_the_scans_card_costs_no_query_when_the_card_was_taken_back(app, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    bob_row.card_revoked_at = utcnow()
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = record_scan(bob, ana.badge_token, str(uuid.uuid4()))
        scanned = len(statements)
        # What Ana gives Bob came with the badge's row: the card needs no statement of its own.
        assert result.card == {"name": "Ana Alves"}
        assert len(statements) == scanned
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)


def test_after_scan_sheet_says_what_they_get(app, login, make_attendee, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    dan = make_attendee(event, "dan@example.org", "Dan Dunn")
    client = login(app.test_client(), dan)
    response = client.post(f"/b/{ana.badge_token}/exchange", headers={"HX-Request": "true"},
                           data={"csrf_token": token(client, f"/b/{ana.badge_token}"),
                                 "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "What they get of your card:" in body and "Profile defaults" in body and f"/e/conf/card/holders/{ana.id}" in body


def test_the_scanners_sheet_links_to_what_they_get(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    bob_client = login(app.test_client(), bob)
    assert 'data-field="card-link"' in bob_client.get("/e/conf/scan").get_data(as_text=True)
    response = bob_client.get(f"/e/conf/contacts/{bob_row.id}/my-card")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/e/conf/card/holders/{ana.id}")
    # Someone else's connection, or one whose contact deleted their account: 404.
    assert bob_client.get(f"/e/conf/contacts/{ana_row.id}/my-card").status_code == 404
    bob_row.contact_id = None
    db.session.commit()
    assert bob_client.get(f"/e/conf/contacts/{bob_row.id}/my-card").status_code == 404


def test_access_is_scoped_and_bad_input_is_a_clear_4xx(app, app_factory, login, make_event, make_attendee, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    ana_client = login(app.test_client(), ana)
    # Cleo holds no card of Ana's: her page is a 404, as are its actions.
    assert ana_client.get(f"/e/conf/card/holders/{cleo.id}").status_code == 404
    assert post(ana_client, f"/e/conf/card/holders/{cleo.id}/take-back", {"confirm": "1"}).status_code == 404
    assert post(ana_client, f"/e/conf/card/holders/{cleo.id}/fields", {"fields": ["company"]}).status_code == 404
    assert post(ana_client, f"/e/conf/card/holders/{ana.id}/share-again").status_code == 404
    # Bad input.
    assert post(ana_client, f"/e/conf/card/holders/{bob.id}/fields", {"fields": ["password"]}).status_code == 422
    for months in ("5", "1e400", "-3", "x" * 300):
        assert post(ana_client, "/e/conf/card/expiry", {"months": months}).status_code == 422, months
    assert fresh(Connection, bob_row.id).card_fields is None and fresh(Attendee, ana.id).card_expiry_months is None
    # Logged out, or logged in for another event: the login page, nothing changed.
    other = make_event(slug="other")
    mallory = make_attendee(other, "mallory@example.org", "Mallory")
    for client in (app.test_client(), login(app.test_client(), mallory)):
        assert client.get("/e/conf/card/holders").status_code in (302, 303)
        assert client.post(f"/e/conf/card/holders/{bob.id}/take-back", data={"confirm": "1"}).status_code in (302, 303, 400)
    assert fresh(Connection, bob_row.id).card_revoked_at is None


def test_my_json_export_says_what_i_give_each_contact_and_my_expiry(app, login, pair):
    event, ana, bob, cleo, ana_row, bob_row = pair
    bob_client = login(app.test_client(), bob)
    ana_copy = fresh(Connection, ana_row.id)  # Ana's copy of Bob's card
    ana_copy.card_fields = ["company"]
    cleo_copy = db.session.execute(db.select(Connection).filter_by(owner_id=cleo.id, contact_id=bob.id)).scalar_one()
    cleo_copy.card_revoked_at = utcnow()
    db.session.commit()
    fresh(Attendee, bob.id).card_expiry_months = 12
    db.session.commit()
    export = json.loads(bob_client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    assert export["profile"]["card_expiry_months"] == 12
    mine = export["my_card"]
    assert mine["expiry_months"] == 12 and mine["expires_at"].startswith(str(add_months(event.ends_at, 12).year))
    by_name = {h["name"]: h for h in mine["holders"]}
    assert by_name["Ana Alves"] == {"name": "Ana Alves", "fields": ["company"], "profile_defaults": False,
                                    "revoked_at": None}
    assert by_name["Cleo Cruz"]["revoked_at"] is not None
    contacts = {c["contact"]["name"]: c for c in export["contacts"]}
    assert contacts["Ana Alves"]["my_card_to_them"]["fields"] == ["company"]
    assert contacts["Cleo Cruz"]["my_card_to_them"]["revoked_at"] is not None


def test_the_demo_shows_a_narrowed_card_a_card_taken_back_and_an_expiry(app):
    from eventnet.demo import data
    from eventnet.demo.services import seed_demo

    seed = seed_demo()
    seed_demo()  # a second run changes nothing
    ada = seed.people[data.ATTENDEE_EMAIL]
    assert fresh(Attendee, ada.id).card_expiry_months == data.CARD_EXPIRY_MONTHS
    copies = {c.owner_id: c for c in db.session.execute(db.select(Connection).filter_by(contact_id=ada.id)).scalars()}
    mateo, youssef = (seed.people[e] for e in ("mateo.fernandez@demo.example", "youssef.haddad@demo.example"))
    assert copies[mateo.id].card_fields == data.CARD_NARROWED[mateo.email_key]
    assert copies[youssef.id].card_revoked_at is not None
    assert card_for(ada, copies[youssef.id]) == {"name": "Ada Nwosu"}
    assert "email" not in card_for(ada, copies[mateo.id]) and "headline" in card_for(ada, copies[mateo.id])
