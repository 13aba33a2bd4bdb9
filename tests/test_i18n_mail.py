"""Emails in the recipient's language (issue 15): digests over real SMTP, the organizer's test
send, introductions, and the size budget in the longest languages.

The sender runs outside any request (deliver_due in a fresh app context, as `flask mail send`
does), so nothing but the recipient's own choice can make these German, Arabic, French or Spanish.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from test_digest import by_recipient, connect, note, send_all

from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.digests import services
from eventnet.extensions import db
from eventnet.introductions import services as introductions
from eventnet.mail.models import OutboxMessage

# May 4 and 5, 2026 in Berlin: dates every language writes its own way.
STARTS = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)
ENDS = datetime(2026, 5, 5, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def conference(make_event, make_attendee):
    """An ended event; Greta (German) met Bob and Cleo, Gus (German) met Bob, Amal (Arabic) and Ed
    (no choice: the event's default, English) met Bob. Notes and a promise on Greta's side."""
    event = make_event(slug="pyconf", name="PyConf", starts=STARTS, ends=ENDS)
    event.scan_closes_at = datetime.now(timezone.utc) + timedelta(hours=1)  # cards exchanged late, synced now
    db.session.commit()
    greta = make_attendee(event, "greta@example.org", "Greta Graf", language="de")
    gus = make_attendee(event, "gus@example.org", "Gus Gärtner", language="de")
    amal = make_attendee(event, "amal@example.org", "Amal Haddad", language="ar")
    ed = make_attendee(event, "ed@example.org", "Ed English")
    bob = make_attendee(event, "bob@example.org", "Bob Builder", language="fr")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Cruz")
    greta_bob, _ = connect(greta, bob)
    greta_cleo, _ = connect(greta, cleo)
    note(greta_bob, "Rust and build systems", promises=["send the slides"], intent="send", starred=True)
    note(greta_cleo, "coffee in June", intent="coffee")
    for person in (gus, amal, ed):
        connect(person, bob)
    return {"event": event, "greta": greta, "gus": gus, "amal": amal, "ed": ed, "bob": bob, "cleo": cleo}


def parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_each_digest_goes_out_in_its_recipients_language_over_smtp(app, app_factory, smtp_server, conference):
    assert services.queue_digests(conference["event"]) == 6
    report = send_all(app_factory, smtp_server)
    assert report.sent == 6 and report.failed == 0
    mail = by_recipient(smtp_server)

    greta = mail["greta@example.org"]
    assert greta["Subject"] == "Greta, Ihre 2 Kontakte von PyConf"
    text, html = parts(greta)
    assert text.startswith("Hallo Greta,")
    assert "Sie haben bei PyConf (4.–5. Mai 2026) 2 Personen getroffen." in text
    assert "1 Versprechen noch offen, 2 Follow-ups zu erledigen." in text
    assert "Alle 2 Kontakte sind als contacts-pyconf.vcf angehängt" in text
    assert "Sie haben versprochen: send the slides" in text and "Als erledigt markieren:" in text
    assert "Vorschlag: Halten Sie Ihr Versprechen: „send the slides“." in text
    assert '<html lang="de" dir="ltr">' in html
    assert "Sie haben bei PyConf <strong>2 Personen</strong> getroffen." in html
    assert "<strong>1 Versprechen</strong> noch offen" in html and "4.–5. Mai 2026" in html
    assert ">Greta schreiben<" not in html and ">Bob schreiben<" in html  # the button names the contact
    assert ">Kaffee in den Kalender<" in html and ">Abmelden<" in html
    # The drafted email to Bob is Greta's own message, so in her language too.
    assert "subject=Sch%C3%B6n%2C%20Sie%20bei%20PyConf%20getroffen" in html
    assert "body=Hallo%20Bob%2C%0D%0A%0D%0AEs%20war%20sch%C3%B6n" in html and "Viele%20Gr%C3%BC%C3%9Fe%0D%0AGreta" in html
    for english in ("Hello", "you met", "Mark done", "Unsubscribe", "Write to", "follow-up", "May 2026"):
        assert english not in text + html, english
    # The headers a mail client acts on are not translated.
    assert greta["List-Unsubscribe"].startswith("<http") and greta["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # German singular forms.
    gus = mail["gus@example.org"]
    assert gus["Subject"] == "Gus, Ihr 1 Kontakt von PyConf"
    text, html = parts(gus)
    assert "1 Person getroffen" in text and "<strong>1 Person</strong>" in html
    assert "Ihr Kontakt ist als contacts-pyconf.vcf angehängt" in text

    # Arabic: right to left, Arabic text, Arabic dates.
    amal = mail["amal@example.org"]
    text, html = parts(amal)
    assert '<html lang="ar" dir="rtl">' in html
    assert text.startswith("مرحبًا Amal،") and "مايو 2026" in html and "إلغاء الاشتراك" in html
    assert "Hello" not in text

    # No choice: the event's default language, English, byte for byte as before.
    ed = mail["ed@example.org"]
    assert ed["Subject"] == "Ed, your 1 contact from PyConf"
    text, html = parts(ed)
    assert text.startswith("Hello Ed,") and '<html lang="en" dir="ltr">' in html
    assert "you met <strong>1 person</strong> at PyConf." in html


def test_the_event_default_language_is_used_when_the_attendee_chose_none(app, app_factory, smtp_server, conference):
    event = conference["event"]
    event.default_language = "es"
    db.session.commit()
    services.queue_digests(event)
    send_all(app_factory, smtp_server)
    ed = by_recipient(smtp_server)["ed@example.org"]
    assert ed["Subject"] == "Ed, tu 1 contacto de PyConf"
    assert parts(ed)[0].startswith("Hola, Ed:")
    # A saved choice still wins over the event's default.
    assert by_recipient(smtp_server)["greta@example.org"]["Subject"].startswith("Greta, Ihre 2 Kontakte")


def test_a_german_organizers_test_send_is_in_the_organizers_language(app, app_factory, smtp_server, conference,
                                                                      make_attendee, client, login):
    event = conference["event"]
    olga = make_attendee(event, "olga@example.org", "Olga Organisatorin", role="organizer", language="de")
    services.send_sample_digest(event, olga)
    send_all(app_factory, smtp_server)
    [msg] = smtp_server.messages()
    assert msg["Subject"] == "[Beispiel] Sam, Ihre 8 Kontakte von PyConf"
    text, html = parts(msg)
    assert text.startswith("Hallo Sam,") and "Beispiel: Sam Example und alle Personen unten sind erfunden" in text
    assert '<html lang="de" dir="ltr">' in html and "Alle anderen, die Sie getroffen haben" in html


@pytest.mark.parametrize("language, unsubscribe", [("de", ">Abmelden<"), ("ar", ">إلغاء الاشتراك<")])
def test_a_digest_of_60_contacts_stays_under_the_html_budget_in_long_languages(app, make_event, make_attendee,
                                                                              language, unsubscribe):
    from eventnet.digests.build import HTML_BUDGET, build_digest, render
    from eventnet.i18n.selection import in_recipient_language

    event = make_event(slug=f"big-{language}", ends=datetime.now(timezone.utc) - timedelta(hours=1))
    me = make_attendee(event, email="me@example.org", name="Mia Many", language=language)
    started = datetime.now(timezone.utc) - timedelta(hours=10)
    for n in range(60):
        person = make_attendee(event, email=f"p{n}@example.org", name=f"Person {n:03d}", company=f"Company {n}")
        mine, _ = connect(me, person)
        mine.created_at = started + timedelta(minutes=n)
        note(mine, f"Talked about {n}: " + "a long and careful note about what we discussed " * 20,
             starred=n % 7 == 0, intent="coffee" if n % 5 == 0 else "send")
    with in_recipient_language(me, event) as code:
        assert code == language
        digest = build_digest(me)
        text, html = render(digest)
    assert len(html.encode()) < HTML_BUDGET
    assert f'<html lang="{language}"' in html and unsubscribe in html[-3000:]
    assert "Person 000" in html and "Person 059" in html and "Unsubscribe" not in html


def test_an_introduction_reaches_each_person_in_their_own_language(app, make_event, make_attendee):
    event = make_event(slug="intro", name="PyConf")
    ivy = make_attendee(event, "ivy@example.org", "Ivy Introducer", language="de")
    ana = make_attendee(event, "ana@example.org", "Ana Alves", headline="Data engineer", language="fr")
    bob = make_attendee(event, "bob@example.org", "Bob Brown", headline="Platform lead", language="es")
    for other in (ana, bob):
        record_scan(ivy, other.badge_token, str(uuid.uuid4()))
    db.session.commit()
    rows = {c.contact_id: c for c in db.session.execute(db.select(Connection).filter_by(owner_id=ivy.id)).scalars()}
    # Asked from a German browser: the requests still go out in French and Spanish.
    with app.test_request_context(headers={"Accept-Language": "de"}):
        introduction = introductions.introduce(ivy, rows[ana.id], rows[bob.id].id, "Vous aimez les pipelines.")
    sent = {m.to_addr: m for m in db.session.execute(db.select(OutboxMessage).filter_by(kind="introduction_request"))
            .scalars()}
    assert sent["ana@example.org"].subject == "Ivy Introducer aimerait vous présenter Bob Brown"
    assert sent["bob@example.org"].subject == "Ivy Introducer quiere presentarte a Ana Alves"
    assert "Bonjour Ana Alves," in sent["ana@example.org"].text_body
    assert '<html lang="fr"' in sent["ana@example.org"].html_body and ">Accepter ou refuser<" in sent["ana@example.org"].html_body
    assert "Hola, Bob Brown:" in sent["bob@example.org"].text_body and "Aceptar o rechazar" in sent["bob@example.org"].html_body
    expiry = introduction.expires_at.astimezone(timezone.utc)
    assert f"{event.local(expiry).day} " in sent["bob@example.org"].text_body  # "12 dic 2026", Babel's Spanish

    for person in (ana, bob):
        introductions.answer(db.session.get(Attendee, person.id), introduction.id, True)
    made = {m.to_addr: m for m in db.session.execute(db.select(OutboxMessage).filter_by(kind="introduction")).scalars()}
    assert made["ana@example.org"].subject == "Ivy Introducer vous présente Bob Brown"
    assert made["bob@example.org"].subject == "Ivy Introducer te presenta a Ana Alves"
    assert "Ana Alves ya está en tus contactos" in made["bob@example.org"].text_body


def test_the_email_change_confirmation_is_in_the_attendees_language(app, make_event, make_attendee):
    from eventnet.attendees.email_change import request_change

    event = make_event(slug="change", name="PyConf")
    olga = make_attendee(event, "olga@example.org", "Olga Organizer", role="organizer")
    ana = make_attendee(event, "ana@example.org", "Ana Alves", language="fr")
    request_change(event, olga, ana, "ana.new@example.org")
    db.session.commit()
    row = db.session.execute(db.select(OutboxMessage).filter_by(kind="email_change")).scalar_one()
    assert row.subject == "Confirmez la nouvelle adresse e-mail pour vous connecter à PyConf"
    assert "Bonjour Ana Alves," in row.text_body and ">Vérifier le changement<" in row.html_body


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_translated_digest_fits_360_px(app, conference, browser, language):
    """The longest language and the right-to-left one on a phone: nothing wider than the screen."""
    from conftest import screenshot

    from eventnet.digests.build import build_digest, render
    from eventnet.i18n.selection import in_recipient_language

    greta = db.session.get(Attendee, conference["greta"].id)
    greta.language = language
    db.session.commit()
    with in_recipient_language(greta, greta.event):
        _, html = render(build_digest(greta))
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if language == "ar" else "ltr")
    screenshot(page, f"digest-email-{language}-360")
    context.close()



def test_a_digest_follows_the_browser_of_the_last_login_when_the_attendee_chose_none(
        app, app_factory, smtp_server, make_event, make_attendee):
    """Gus never opens the language setting but logs in from a German browser: his digest, written
    later by the sender away from any browser, is German. A choice still wins (Bob), and a browser
    asking for no language we ship leaves the event's default (Ed)."""
    from urllib.parse import urlsplit

    from conftest import csrf_token

    from eventnet.auth.services import create_login_link

    event = make_event(slug="late", name="PyConf", starts=STARTS, ends=ENDS)
    event.scan_closes_at = datetime.now(timezone.utc) + timedelta(hours=1)
    db.session.commit()
    gus = make_attendee(event, "gus@example.org", "Gus Gärtner")
    ed = make_attendee(event, "ed@example.org", "Ed English")
    bob = make_attendee(event, "bob@example.org", "Bob Builder", language="fr")
    for person, browser in ((gus, "de-DE,de;q=0.9,en;q=0.5"), (ed, "ja-JP"), (bob, "es")):
        connect(person, make_attendee(event, f"met.{person.email}", "Met Someone"))
        path = urlsplit(create_login_link(person).url).path
        db.session.commit()
        client = app.test_client()
        response = client.post(path, data={"csrf_token": csrf_token(client, path)}, headers={"Accept-Language": browser})
        assert response.status_code == 303
    db.session.expire_all()
    assert (gus.browser_language, ed.browser_language, bob.browser_language) == ("de", None, "es")
    assert gus.language is None  # a guess, not a choice: the setting still says "as my browser asks"

    services.queue_digests(event)
    send_all(app_factory, smtp_server)
    mail = by_recipient(smtp_server)
    assert mail["gus@example.org"]["Subject"] == "Gus, Ihr 1 Kontakt von PyConf"
    assert mail["ed@example.org"]["Subject"] == "Ed, your 1 contact from PyConf"
    assert mail["bob@example.org"]["Subject"] == "Bob, votre 1 contact de PyConf"
