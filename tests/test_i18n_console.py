"""The organizer console and the administrator pages in the reader's language (issue 15).

A German and an Arabic organizer (their own choice, whatever the browser asks) walk every console
page: a set of each page's English strings must be gone, and a few of the language's own must be
there, so an empty catalog cannot pass. The administrator, who has no attendee row, gets the
language of the browser, and so does their login email, checked over SMTP. Through HTTP with the
compiled catalogs (the fixture compiles them, so this file runs on its own).
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import csrf_token

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import send_due

ROOT = Path(__file__).resolve().parent.parent
EN = {"Accept-Language": "en-US,en;q=0.9"}
BROWSER = {"de": {"Accept-Language": "de-DE,de;q=0.9"}, "ar": {"Accept-Language": "ar-EG,ar;q=0.9"}}

# Every console page shares the frame: its navigation and the event's state.
FRAME = ["Dashboard<", ">Attendees<", ">Login emails<", ">Audit log<", "My attendee pages", "Running now",
         "Scanning open"]
# What each page says in English; none of it may be left in de or ar.
ENGLISH = {
    "dashboard": ["Updated ", "refreshes every 20 seconds", ">People<", "Exchanged at least one card",
                  "Exchanges per hour", "Busiest hours", "The numbers as a table", "Digests sent",
                  "Follow-through", "Not shown for fewer than 5 people", "Promises kept", "Digest control"],
    "attendees": ["Add an attendee", "Import a CSV", "Search by name, email or company", "Show only",
                  "Never logged in", "No contacts yet", "Per page", ">Apply<", "Help desk:", "Apply to",
                  "The ticked attendees", "Email login links", "Print badges", "Export CSV", ">Remove…<",
                  ">Last login", "sorted ascending", ">Actions", "Profile not filled", "Email a login link",
                  "Print badge", "Reissue badge", "Log out devices", ">Edit<", " contacts<", " attendees."],
    "new": ["Add an attendee", "How they log in", "Printed large on the badge", "Given and family name",
            "For address books", "Family name", "Organizer (sees this console)", "Add attendee", ">Cancel<"],
    "edit": ["Edit ", "They have contacts or notes, so a new address", ">Save<"],
    "remove": ["Remove attendee", "from the event?", "loses their account", "for good", "A deleted attendee",
               ">Cancel<"],
    "reissue": ["Reissue the badge of", "gets a new QR code", "The old badge stops working",
                "Print the new badge afterwards"],
    "end_sessions": ["Log out on every device", "For a phone that was lost or stolen",
                     "Their profile, contacts and notes stay"],
    "login_emails": ["Email a login link to everyone", "never logged in", "valid for three days",
                     "The emails wait", "Send 4 login emails"],
    "bulk_email": ["Email a login link to 2 attendees?", "ticked attendees", "gets one email", "Log in to ",
                   "nobody's link is shown here", "Send 2 login emails"],
    "bulk_remove": ["Remove 2 attendees from the event?", "You are among them and stay", "lose their accounts",
                    "of them have contacts", "written notes", "Type <strong>remove 2", "Remove 2 attendees"],
    "event": ["Event details", "A name like Europe/Berlin", "Default language", "Scanning window",
              "When attendees can exchange cards", "Scanning opens", "eventnet blue, no logo",
              "Accent colour and logo", "Follow-up digest"],
    "audit": ["Every action taken in this console", " entries.", ">When<", ">Who<", ">What<",
              "Sent login emails", "Showed a help-desk login link", "Emailed a help-desk login link",
              "count: ", "who: ", "held until: ", "name: "],
    "progress": ["login emails queued", "Held until", "nothing has left yet", "Cancel these 4 emails", ">Sent<",
                 ">Waiting<", ">Failed<", "Back to attendees", " Dec, "],
    "desk_emailed": ["Login link emailed to", "We sent a login link", "It works once", "It is not shown here"],
    "desk_shown": ["Login for ", "open this link on their phone", ">Login link<", "code login page",
                   "Give it only to the person in front of you"],
}
NATIVE = {
    "de": {
        "frame": ["Übersicht", "Teilnehmende", "Anmelde-E-Mails", "Protokoll", "Läuft gerade", "Scannen offen"],
        "dashboard": ["Mindestens eine Karte ausgetauscht", "Austausche pro Stunde", "Die Zahlen als Tabelle",
                      "Bei weniger als 5 Personen nicht angezeigt", "Stärkste Stunden: "],
        "attendees": ["Teilnehmende Person hinzufügen", "Nach Name, E-Mail oder Firma suchen", "Noch nie angemeldet",
                      "Die angehakten Teilnehmenden", "Profil nicht ausgefüllt", "Badge neu ausstellen",
                      "1 Kontakt<", "0 Kontakte<", "4 Teilnehmende."],
        "new": ["Vor- und Nachname, Titel", "Groß auf den Badge gedruckt", "Organisator (sieht diese Konsole)"],
        "edit": ["Ada Nwosu bearbeiten", "Speichern"],
        "remove": ["Ada Nwosu aus der Veranstaltung entfernen?", "endgültig", "Eine gelöschte teilnehmende Person"],
        "reissue": ["Badge von Ada Nwosu neu ausstellen?", "Der alte Badge funktioniert sofort nicht mehr"],
        "end_sessions": ["Ada Nwosu auf allen Geräten abmelden?", "Für ein verlorenes oder gestohlenes Telefon"],
        "login_emails": ["4 Teilnehmende haben</strong> sich noch nie angemeldet", "4 Anmelde-E-Mails senden",
                         "Die E-Mails warten 60 Sekunden"],
        "bulk_email": ["Einen Anmeldelink an 2 Teilnehmende senden?", "die 2 angehakten Teilnehmenden",
                       "„Bei Rail Data Summit anmelden“", "2 Anmelde-E-Mails senden"],
        "bulk_remove": ["2 Teilnehmende aus der Veranstaltung entfernen?", "Sie sind darunter und bleiben:",
                        "entfernen 2", "2 Teilnehmende entfernen"],
        "event": ["Angaben zur Veranstaltung", "Standardsprache", "Scan-Zeitraum", "eventnet-Blau, kein Logo."],
        "audit": ["Jede Aktion in dieser Konsole", "3 Einträge.", "Anmelde-E-Mails gesendet", "Anzahl: 4",
                  "wer: alle 4 Teilnehmenden ohne bisherige Anmeldung", "Dez. 2026"],
        "progress": ["4 Anmelde-E-Mails eingereiht am", "Zurückgehalten bis", "Diese 4 E-Mails abbrechen",
                     "An alle 4 Teilnehmenden ohne bisherige Anmeldung."],
        "desk_emailed": ["Anmeldelink per E-Mail an Ada Nwosu gesendet", "Er funktioniert einmal, 60 Minuten lang."],
        "desk_shown": ["Anmeldung für Cy Okafor", "Code-Anmeldeseite", "Geben Sie ihn nur der Person vor Ihnen"],
    },
    "ar": {
        "frame": ["لوحة المتابعة", "المشاركون", "رسائل تسجيل الدخول", "سجل التدقيق", "جارية الآن", "المسح مفتوح"],
        "dashboard": ["تبادلوا بطاقة واحدة على الأقل", "التبادلات في الساعة", "الأرقام في جدول",
                      "لا يُعرض لأقل من 5 أشخاص"],
        "attendees": ["أضف مشاركًا", "ابحث بالاسم أو البريد الإلكتروني أو الشركة", "لم يسجّل الدخول قط",
                      "المشاركون المحدَّدون", "الملف الشخصي غير مكتمل", "أعد إصدار الشارة", "4 مشاركين."],
        "new": ["الاسم الأول واسم العائلة واللقب", "منظّم (يرى هذه اللوحة)"],
        "edit": ["عدّل Ada Nwosu"],
        "remove": ["إزالة Ada Nwosu من الفعالية؟", "نهائيًا", "مشارك محذوف"],
        "reissue": ["إعادة إصدار شارة Ada Nwosu؟", "تتوقف الشارة القديمة عن العمل فورًا"],
        "end_sessions": ["تسجيل خروج Ada Nwosu على كل الأجهزة؟"],
        "login_emails": ["4 مشاركين</strong> لم يسجّلوا الدخول قط", "أرسل 4 رسائل تسجيل دخول"],
        "bulk_email": ["إرسال رابط تسجيل دخول إلى مشاركَين؟", "«تسجيل الدخول إلى Rail Data Summit»"],
        "bulk_remove": ["إزالة مشاركَين من الفعالية؟", "أنت منهم وستبقى:", "إزالة 2"],
        "event": ["تفاصيل الفعالية", "اللغة الافتراضية", "فترة المسح"],
        "audit": ["كل إجراء اتُّخذ في هذه اللوحة", "3 إدخالات.", "أرسل رسائل تسجيل الدخول", "العدد: 4"],
        "progress": ["4 رسائل تسجيل دخول في الطابور", "محجوزة حتى"],
        "desk_emailed": ["أُرسل رابط تسجيل الدخول إلى Ada Nwosu"],
        "desk_shown": ["تسجيل دخول لـCy Okafor", "صفحة تسجيل الدخول بالرمز"],
    },
}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def confirmation_token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def console(client, login, make_event, make_attendee):
    """An organizer who chose `language`, logged in, with three attendees (Ada and Bo exchanged
    cards; Cy has nothing yet), two help-desk logins and a batch of login emails to the four who
    never logged in (the organizer's session comes from the fixture) in the log."""
    def build(language: str):
        event = make_event(slug=f"console-{language}", name="Rail Data Summit")
        organizer = make_attendee(event, f"olga-{language}@example.org", "Olga Berg", role="organizer",
                                  language=language)
        ada = make_attendee(event, f"ada-{language}@example.org", "Ada Nwosu")
        bo = make_attendee(event, f"bo-{language}@example.org", "Bo Larsen")
        cy = make_attendee(event, f"cy-{language}@example.org", "Cy Okafor")
        record_scan(ada, bo.badge_token, str(uuid.uuid4()), None)
        db.session.commit()
        login(client, organizer)
        base = f"/e/{event.slug}/organizer"
        client.token = csrf_token(client, f"{base}/attendees")
        pages = {}
        pages["desk_emailed"] = text(client.post(f"{base}/attendees/{ada.id}/login-link",
                                                 data={"csrf_token": client.token}, headers=EN))
        pages["desk_shown"] = text(client.post(f"{base}/attendees/{cy.id}/login-link",
                                               data={"csrf_token": client.token}, headers=EN))
        confirm = client.get(f"{base}/login-emails", headers=EN).get_data(as_text=True)
        queued = client.post(f"{base}/login-emails", headers=EN,
                             data={"csrf_token": client.token, "token": confirmation_token(confirm)})
        assert queued.status_code == 303
        pages["progress"] = text(client.get(queued.headers["Location"], headers=EN))
        return event, base, {"organizer": organizer, "ada": ada, "bo": bo, "cy": cy}, pages

    return build


def console_pages(client, base: str, people: dict) -> dict[str, str]:
    ada, bo = people["ada"], people["bo"]
    paths = {
        "dashboard": "/", "attendees": "/attendees", "new": "/attendees/new", "edit": f"/attendees/{ada.id}/edit",
        "remove": f"/attendees/{ada.id}/remove", "reissue": f"/attendees/{ada.id}/reissue-badge",
        "end_sessions": f"/attendees/{ada.id}/log-out-everywhere", "login_emails": "/login-emails",
        "bulk_email": f"/attendees/bulk?action=email&ids={ada.id}&ids={bo.id}",
        # The organizer ticked among them: two to remove, and the page says the organizer stays.
        "bulk_remove": f"/attendees/bulk?action=remove&ids={ada.id}&ids={bo.id}&ids={people['organizer'].id}",
        "event": "/event", "audit": "/audit",
    }
    pages = {}
    for name, path in paths.items():
        response = client.get(base + path, headers=EN)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = text(response)
    return pages


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_every_console_page_is_in_the_organizers_language(client, console, language, direction):
    event, base, people, pages = console(language)
    pages.update(console_pages(client, base, people))
    problems = {}
    for name, page in pages.items():
        assert f'<html lang="{language}" dir="{direction}">' in page, name
        left = [english for english in ENGLISH.get(name, []) + FRAME if english in page]
        missing = [native for native in NATIVE[language].get(name, []) + NATIVE[language]["frame"]
                   if native not in page]
        if left or missing:
            problems[name] = {"english left": left, "native missing": missing}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_plurals_follow_the_language(client, console, make_attendee):
    event, base, people, _ = console("de")
    one = text(client.get(f"{base}/attendees?q=Ada", headers=EN))
    assert "1 teilnehmende Person zur Suche „Ada“." in one and "1 Kontakt<" in one
    two = text(client.get(f"{base}/attendees?nocontacts=1", headers=EN))
    assert "2 Teilnehmende noch ohne Kontakte." in two
    remove_one = text(client.get(f"{base}/attendees/bulk?action=remove&ids={people['cy'].id}", headers=EN))
    assert "1 teilnehmende Person aus der Veranstaltung entfernen?" in remove_one
    assert "1 teilnehmende Person entfernen" in remove_one


def test_arabic_counts_have_their_own_forms(client, console):
    event, base, people, _ = console("ar")
    two = text(client.get(f"{base}/attendees/bulk?action=email&ids={people['ada'].id}&ids={people['bo'].id}",
                          headers=EN))
    assert "إرسال رابط تسجيل دخول إلى مشاركَين؟" in two  # the dual, not "2 مشاركين"
    one = text(client.get(f"{base}/attendees/bulk?action=remove&ids={people['cy'].id}", headers=EN))
    assert "إزالة مشارك واحد من الفعالية؟" in one


def test_flash_form_and_refusal_messages_follow_the_language(client, console):
    event, base, people, _ = console("de")
    ada = people["ada"]
    reissued = client.post(f"{base}/attendees/{ada.id}/reissue-badge", data={"csrf_token": client.token},
                           headers=EN, follow_redirects=True)
    assert "Ada Nwosu hat einen neuen Badge (Code " in text(reissued)
    invalid = client.post(f"{base}/attendees/new", data={"csrf_token": client.token, "email": "nope", "name": ""},
                          headers=EN)
    page = text(invalid)
    assert invalid.status_code == 422
    assert "Nicht gespeichert." in page and "Das ist keine E-Mail-Adresse" in page
    assert "Geben Sie den Namen der teilnehmenden Person ein" in page and "Not saved." not in page
    myself = client.post(f"{base}/attendees/{people['organizer'].id}/remove", data={"csrf_token": client.token},
                         headers=EN)
    assert myself.status_code == 409
    assert "Sich selbst können Sie hier nicht entfernen" in text(myself)
    stale = client.post(f"{base}/event", data={"csrf_token": "stale"}, headers=EN)
    assert stale.status_code == 400 and "Dieses Formular ist abgelaufen" in text(stale)
    forged = client.post(f"{base}/login-emails", data={"csrf_token": client.token, "token": "forged"}, headers=EN)
    assert forged.status_code == 409 and "Diese Bestätigung gilt nicht mehr" in text(forged)
    saved = client.post(f"{base}/event", headers=EN, follow_redirects=True, data={
        "csrf_token": client.token, "name": event.name, "venue": "Halle 2", "timezone": event.timezone,
        "starts_at": event.local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.local(event.ends_at).strftime("%Y-%m-%dT%H:%M")})
    assert "Die Angaben zur Veranstaltung wurden gespeichert." in text(saved)
    # The log names the change in German; what it stored stays English (the field's label).
    audit = text(client.get(f"{base}/audit", headers=EN))
    assert "Angaben zur Veranstaltung geändert" in audit and "Ort: „Hall A“ → „Halle 2“" in audit


def test_the_invitation_is_in_each_recipients_language_not_the_organizers(client, console):
    """A German organizer's login emails: an attendee who chose Arabic reads Arabic, one who chose
    nothing reads the event's default language (English here), never German."""
    event, base, people, _ = console("de")
    people["bo"].language = "ar"
    db.session.commit()
    confirm = client.get(f"{base}/attendees/bulk?action=email&ids={people['bo'].id}&ids={people['cy'].id}",
                         headers=EN).get_data(as_text=True)
    assert client.post(f"{base}/login-emails", headers=EN, data={
        "csrf_token": client.token, "token": confirmation_token(confirm)}).status_code == 303
    rows = {row.to_addr: row for row in db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.dedupe_key.is_not(None))
        .order_by(OutboxMessage.id.desc()).limit(2)).scalars()}
    arabic, english = rows[people["bo"].email], rows[people["cy"].email]
    assert arabic.subject == "تسجيل الدخول إلى Rail Data Summit"
    assert "سجّل الدخول على هاتفك بهذا الرابط" in arabic.text_body and 'dir="rtl"' in arabic.html_body
    assert english.subject == "Log in to Rail Data Summit" and "Hello Cy Okafor," in english.text_body


@pytest.fixture
def administrator(runner, make_event):
    make_event(slug="home", name="Home Conf")
    runner.invoke(args=["admin", "add", "root@example.org"])


def _admin_link(address: str) -> str:
    row = db.session.execute(db.select(OutboxMessage).filter_by(to_addr=address)
                             .order_by(OutboxMessage.id.desc())).scalars().first()
    return urlsplit(re.search(r"https?://\S+/login/\S+", row.text_body).group(0)).path


ADMIN_ENGLISH = ["Administration<", "Logged in as", "Log out of the administration", ">Events<", "Organizers:",
                 "Create an event", "Short address", "Time zone", "Create event", "All events",
                 "Organizer console", "No organizers yet", "Add organizer", "They log in at"]
ADMIN_NATIVE = {
    "de": ["Verwaltung", "Angemeldet als root@example.org (Administrator).", "Veranstaltung anlegen", "Kurzadresse",
           "Alle Veranstaltungen", "Noch keine Organisatoren.", "Organisator hinzufügen"],
    "ar": ["الإدارة", "مسجّل الدخول باسم root@example.org (مسؤول).", "أنشئ فعالية", "العنوان المختصر",
           "كل الفعاليات", "لا منظّمين بعد.", "أضف المنظّم"],
}


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_administrator_pages_follow_the_browser(client, administrator, language, direction):
    """An administrator has no attendee row: their browser's language, on every step."""
    headers = BROWSER[language]
    login_page = text(client.get("/admin/login", headers=headers))
    assert f'<html lang="{language}" dir="{direction}">' in login_page
    assert "Administrator login" not in login_page and "Email me a login link" not in login_page
    sent = client.post("/admin/login", headers=headers,
                       data={"email": "root@example.org", "csrf_token": csrf_token(client, "/admin/login")})
    assert "is an administrator's address" not in text(sent)
    path = _admin_link("root@example.org")
    confirm = text(client.get(path, headers=headers))
    assert "Log in as an administrator?" not in confirm
    done = client.post(path, data={"csrf_token": csrf_token(client, path)}, headers=headers)
    assert done.status_code == 303
    index = text(client.get("/admin", headers=headers))
    event_id = re.search(r'href="/admin/events/(\d+)"', index).group(1)
    event_page = text(client.get(f"/admin/events/{event_id}", headers=headers))
    for page in (index, event_page):
        assert f'<html lang="{language}" dir="{direction}">' in page
    both = index + event_page
    left = [english for english in ADMIN_ENGLISH if english in both]
    missing = [native for native in ADMIN_NATIVE[language] if native not in both]
    assert not left and not missing, (left, missing)
    created = client.post("/admin/events", headers=headers, follow_redirects=True, data={
        "csrf_token": csrf_token(client, "/admin"), "slug": "home", "name": "Again", "timezone": "Europe/Berlin",
        "starts_at": "2026-06-01T09:00", "ends_at": "2026-06-01T18:00"})
    assert created.status_code == 422
    assert {"de": "Eine Veranstaltung mit der Kurzadresse „home“ gibt es bereits.",
            "ar": "توجد فعالية بالعنوان المختصر «home» بالفعل."}[language] in text(created)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_administrator_login_email_is_in_the_browsers_language(app_factory, smtp_server, administrator,
                                                                   language):
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        client = smtp_app.test_client()
        response = client.post("/admin/login", headers=BROWSER[language],
                               data={"email": "root@example.org", "csrf_token": csrf_token(client, "/admin/login")})
        assert response.status_code == 200
        assert send_due() == 1
    [msg] = smtp_server.messages()
    body = msg.get_body(preferencelist=("plain",)).get_content()
    page = msg.get_body(preferencelist=("html",)).get_content()
    wanted = {
        "de": ("Ihr Anmeldelink als Administrator", "hier ist Ihr Link, um sich als Administrator bei eventnet anzumelden",
               "Als Administrator anmelden"),
        "ar": ("رابط تسجيل دخولك كمسؤول", "إليك رابط تسجيل دخولك كمسؤول في eventnet", "سجّل الدخول كمسؤول"),
    }[language]
    assert msg["Subject"] == wanted[0]
    assert wanted[1] in body and "Hello," not in body and "administrator of eventnet" not in body
    assert wanted[2] in page and f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page


def test_english_stays_as_it_was(client, console):
    """An organizer who chose English reads the console as before (the strings its tests compare)."""
    event, base, people, _ = console("de")
    people["organizer"].language = "en"
    db.session.commit()
    page = text(client.get(f"{base}/attendees", headers=BROWSER["de"]))
    assert '<html lang="en" dir="ltr">' in page and "4 attendees." in page and "Add an attendee" in page
    assert "Never logged in" in page


def test_the_event_forms_time_rules_follow_the_language(client, console):
    """Daylight-saving time's refusals and choices on the event form, in the organizer's language."""
    event, base, _, _ = console("de")
    form = {"csrf_token": client.token, "name": event.name, "venue": "", "timezone": "Europe/Berlin",
            "starts_at": "2026-10-25T02:30", "ends_at": "2026-10-25T18:00"}
    twice = text(client.post(f"{base}/event", data=form, headers=EN))
    assert "2026-10-25 02:30 kommt in Europe/Berlin zweimal vor" in twice
    assert "02:30 beim ersten Mal (UTC+02:00" in twice and "Welche meinen Sie?" in twice
    gap = text(client.post(f"{base}/event", data={**form, "starts_at": "2026-03-29T02:30"}, headers=EN))
    assert "2026-03-29 02:30 gibt es in Europe/Berlin nicht" in gap and "does not exist" not in gap
    zone = text(client.post(f"{base}/event", data={**form, "timezone": "Mars/Olympus"}, headers=EN))
    assert "Geben Sie den Namen einer Zeitzone ein" in zone


def test_a_badge_print_is_logged_in_each_readers_language(client, console):
    """The audit keeps whom a badge print was for with its selection, not in the printer's words:
    a German organizer's print of two ticked badges reads German to them and English to an
    English reader."""
    event, base, people, _ = console("de")
    ids = f"ids={people['bo'].id}&ids={people['cy'].id}"
    assert client.get(f"{base}/badges.pdf?{ids}", headers=EN).status_code == 200
    german = text(client.get(f"{base}/audit", headers=EN))
    assert "die 2 angehakten Teilnehmenden" in german and "the 2 ticked" not in german
    people["organizer"].language = "en"
    db.session.commit()
    english = text(client.get(f"{base}/audit", headers=EN))
    assert "the 2 ticked attendees" in english
