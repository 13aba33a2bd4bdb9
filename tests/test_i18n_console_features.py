"""The organizer's feature screens in the organizer's language (issue 15): CSV import (upload,
preview, report and the row problems it stores), digest control and its confirmation, the event's
look, badge printing, and the badge PDF in the event's language; the development mailbox and the
email-change pages for whoever reads them.

Each page is checked the way tests/test_i18n_pages.py checks the attendee's: its English strings
gone, some of the language's own there (so an empty catalog cannot pass), plurals right. Through
HTTP with the real app and database, the compiled catalogs, and the PDF read back with pypdfium2.
"""
from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import csrf_token
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventnet.extensions import db

ROOT = Path(__file__).resolve().parent.parent
EN = {"Accept-Language": "en-US,en;q=0.9"}  # the organizer's own choice must win over the browser
# A real export (Eventbrite, with statuses): 3 imported, 1 refunded and 1 cancelled (skipped), plus
# one row of ours with a broken address (rejected).
SAMPLE = (ROOT / "tests" / "files" / "imports" / "eventbrite-statuses.csv").read_bytes() + (
    b'"3000000006","2026-02-04 08:00:00-05:00","","Bad","Row","","not-an-email","1","General Admission",'
    b'"4000000006","Eventbrite Completed","Attending","",""\n')

ENGLISH = {
    "upload": ["Import attendees from a CSV file", "Upload the attendee list", "Upload and preview",
               "CSV or tab-separated text", "You see which column feeds each field"],
    "preview": ["How the file is read", "Read as UTF-8, columns separated by commas", "Each field and the column",
                "More fields", "not found in this file", "— not used —", "(e.g. ", "Columns not used",
                "Update the preview", "What importing will do", "can be imported", "will be skipped",
                "will be rejected", "Of the attendees of this event", "The first 6 rows", "Skipped:", "Rejected:",
                "refunded (status", "invalid email", "Title Dr.", "Given Grace", "Import 3 rows",
                "Choose another file", ">Job title<", ">Notes<", "Registration status"],
    "report": ["Import of ", ">Totals<", ">Created<", ">Unchanged<", "Download the report", "See the attendees",
               "Fix the rejected rows", "How the file was read", "Read as UTF-8", "(column G)", "Columns not used",
               "Rejected (1)", "Skipped (2)", "Created (3)", ">Why<", "invalid email", "refunded (status",
               "cancelled (status"],
    "digests": ["Follow-up digest", ">Schedule<", "Goes out", "the morning after the event", "Recipients now",
                "Attendees without contacts get", "Where the emails are", ">Pending<", ">Sent<", "Test copies",
                ">Controls<", ">Pause<", "Start sending now", "See the email", "Preview the sample",
                "Email the sample to me", "Reminders, days after the event", "Replies go to", "30 days", " Dec "],
    "confirm": ["Send 4 digests now", "attendees</strong>", "each get their follow-up digest",
                "The event has not ended", "The digests wait", "Back to digest control"],
    "look": ["The event's look", "Accent colour", "Text and a", ">Button<", "Light mode", "Dark mode",
             "six hex digits", "Save colour", "No logo yet", "Upload a logo", "Upload logo",
             "Back to the event's details", "on the page"],
    "badges": ["Print badges", "All 4 attendees", "To print some of them", "Each badge is 95", ">Paper<",
               "A4, six per page", "One badge per page", "Download PDF", "Making 4 badges", "takes about"],
}
NATIVE = {
    "de": {
        "upload": ["Teilnehmende aus einer CSV-Datei importieren", "Hochladen und Vorschau"],
        "preview": ["Wie die Datei gelesen wird", "Gelesen als UTF-8, Spalten durch Kommas getrennt.",
                    "6 Zeilen:", "3 können importiert werden", "2 werden übersprungen", "1 wird abgelehnt",
                    "Die ersten 6 Zeilen", "erstattet (Status 'Refunded')", "ungültige E-Mail-Adresse",
                    "Titel Dr. · Vorname Grace · Nachname Hopper", "3 Zeilen importieren", "— nicht verwendet —"],
        "report": ["Import von eurobrite.csv", "Summen", "Angelegt", "Wie die Datei gelesen wurde",
                   "„Email“ (Spalte G)", "Abgelehnt (1)", "Übersprungen (2)", "storniert (Status 'Cancelled')"],
        "digests": ["Follow-up-Zusammenfassung", "Zeitplan", "Versand", "Empfänger jetzt", "Testkopien",
                    "Jetzt mit dem Versand beginnen", "Beispiel an mich senden", "30 Tage ("],
        "confirm": ["4 Zusammenfassungen jetzt senden?", "4 Teilnehmende</strong> erhalten",
                    "Die Zusammenfassungen warten 60 Sekunden"],
        "look": ["Das Aussehen der Veranstaltung", "Akzentfarbe", "Farbe speichern", "Hellmodus", "6,0:1"],
        "badges": ["Badges drucken", "Alle 4 Teilnehmenden", "Papier", "PDF herunterladen",
                   "4 Badges zu erstellen dauert etwa 1 Sekunde"],
    },
    "ar": {
        "upload": ["استيراد المشاركين من ملف CSV", "ارفع وعاين"],
        "preview": ["كيف يُقرأ الملف", "قُرئ بترميز UTF-8، والأعمدة مفصولة بفواصل.", "سيُتخطى", "سيُرفض",
                    "بريد إلكتروني غير صالح", "مُسترد (الحالة 'Refunded')", "استورد 3 صفوف", "— غير مستخدم —"],
        "report": ["استيراد eurobrite.csv", "الإجماليات", "كيف قُرئ الملف", "«Email» (العمود G)", "مرفوضة (1)",
                   "ملغى (الحالة 'Cancelled')"],
        "digests": ["ملخص المتابعة", "الجدول", "المستلمون الآن", "نسخ تجريبية", "ابدأ الإرسال الآن"],
        "confirm": ["هل ترسل 4 ملخصات الآن؟", "4 مشاركين</strong>", "تنتظر الملخصات 60 ثانية"],
        "look": ["مظهر الفعالية", "لون التمييز", "احفظ اللون", "الوضع الفاتح"],
        "badges": ["طباعة الشارات", "الورق", "تنزيل PDF"],
    },
}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


@pytest.fixture
def console(client, login, make_event, make_attendee):
    """An organizer who chose `language` (the browser asks for English) with 3 attendees besides."""
    def build(language: str):
        event = make_event(slug=f"feat-{language}", name="Rail Data Summit")
        organizer = make_attendee(event, f"maren-{language}@example.org", "Maren Falk", role="organizer",
                                  language=language)
        for name in ("Ada Nwosu", "Bo Larsen", "Cy Okafor"):
            make_attendee(event, f"{name.split()[0].lower()}-{language}@example.org", name)
        login(client, organizer)
        client.base = f"/e/{event.slug}/organizer"
        client.token = csrf_token(client, f"{client.base}/import")
        return event

    return build


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def import_sample(client) -> tuple[str, str]:
    """Upload the sample, then import it: the preview's and the report's addresses."""
    boundary, body = encode_multipart({"csrf_token": client.token,
                                       "file": FileStorage(io.BytesIO(SAMPLE), "eurobrite.csv")})
    uploaded = client.post(f"{client.base}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                           headers=EN)
    assert uploaded.status_code == 303
    preview = uploaded.headers["Location"]
    imported = client.post(preview, data={"csrf_token": client.token}, headers=EN)
    assert imported.status_code == 303
    return preview, imported.headers["Location"]


def check(page: str, language: str, name: str) -> None:
    left = [english for english in ENGLISH[name] if english in page]
    assert not left, f"English left on the {name} page in {language}: {left}"
    plain = re.sub(r"<(?!/?strong)[^>]+>", "", page)  # counts sit in their own <span data-count>
    missing = [native for native in NATIVE[language][name] if native not in page and native not in plain]
    assert not missing, f"not in {language} on the {name} page: {missing}"


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_the_import_speaks_the_organizers_language(client, console, language, direction):
    console(language)
    upload = page_text(client.get(f"{client.base}/import", headers=EN))
    assert f'<html lang="{language}" dir="{direction}">' in upload
    check(upload, language, "upload")
    boundary, body = encode_multipart({"csrf_token": client.token,
                                       "file": FileStorage(io.BytesIO(SAMPLE), "eurobrite.csv")})
    uploaded = client.post(f"{client.base}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                           headers=EN)
    preview = page_text(client.get(uploaded.headers["Location"], headers=EN))
    check(preview, language, "preview")
    # The machine values stay as they were: the field keys of the selects, the counts' markers.
    assert 'name="map-email"' in preview and 'data-count="valid">3<' in preview
    client.post(uploaded.headers["Location"], data={"csrf_token": client.token}, headers=EN)
    report_url = uploaded.headers["Location"] + "/report"
    report = page_text(client.get(report_url, headers=EN))
    check(report, language, "report")
    assert 'data-field="email"' in report and 'data-count="rejected">1<' in report


def test_the_stored_report_is_said_in_each_readers_language(client, console, login, make_attendee):
    """The report outlives the request that made it: a French co-organizer reads the same stored
    report in French, the English download keeps its machine values, and the reasons follow the
    reader."""
    event = console("de")
    _, report_url = import_sample(client)
    colleague = make_attendee(event, "lea@example.org", "Léa Moreau", role="organizer", language="fr")
    login(client, colleague)
    french = page_text(client.get(report_url, headers=EN))
    assert "Lu en UTF-8, colonnes séparées par des virgules." in french
    assert "remboursée (statut 'Refunded')" in french and "e-mail non valide 'not-an-email'" in french
    assert "« Email » (colonne G)" in french.replace("\u00a0", " ")
    rows = client.get(f"{report_url}.csv", headers=EN).get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "row,outcome,email,name,reasons"  # machine values: the same in every language
    assert any(line.startswith("4,skipped,sam@example.org") and "remboursée" in line for line in rows)


def test_german_plurals_of_the_import(client, console):
    """One of a kind is singular, more are plural: the counts of the preview in German."""
    console("de")
    one = b"E-Mail;Name\nada@example.org;Ada\nada@example.org;Ada Again\n"
    boundary, body = encode_multipart({"csrf_token": client.token, "file": FileStorage(io.BytesIO(one), "one.csv")})
    uploaded = client.post(f"{client.base}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = page_text(client.get(uploaded.headers["Location"], headers=EN))
    text = re.sub(r"<[^>]+>", "", page)
    assert "2 Zeilen:" in text and "1 kann importiert werden" in text and "1 wird übersprungen" in text
    assert "1 Zeile wiederholt eine E-Mail-Adresse einer früheren Zeile" in text
    assert "1 Zeile importieren" in text and "1 Zeilen" not in text


@pytest.mark.parametrize("language", ["de", "ar"])
def test_digest_control_and_its_confirmation(client, console, language):
    console(language)
    control = page_text(client.get(f"{client.base}/digests", headers=EN))
    check(control, language, "digests")
    confirm = page_text(client.get(f"{client.base}/digests/start", headers=EN))
    check(confirm, language, "confirm")


def test_digest_flash_in_german(client, console):
    """Messages made in Python: the flash after pausing, and a refused setting."""
    console("de")
    client.post(f"{client.base}/digests/pause", data={"csrf_token": client.token}, headers=EN)
    assert "Zusammenfassungen sind pausiert" in page_text(client.get(f"{client.base}/digests", headers=EN))
    refused = client.post(f"{client.base}/digests/settings", headers=EN, data={
        "csrf_token": client.token, "digest_at": "", "no_contacts": "matches", "reminder_days": "soon"})
    assert refused.status_code == 422
    assert "Geben Sie Tageszahlen durch Kommas getrennt an" in html.unescape(refused.get_data(as_text=True))


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_look_and_badge_pages(client, console, language):
    console(language)
    check(page_text(client.get(f"{client.base}/look", headers=EN)), language, "look")
    check(page_text(client.get(f"{client.base}/badges", headers=EN)), language, "badges")


def test_a_refused_accent_colour_in_german(client, console):
    console("de")
    refused = client.post(f"{client.base}/look/accent", data={"csrf_token": client.token, "accent_color": "#ffff00"},
                          headers=EN)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "#ffff00 ist zu hell für Text auf der hellen Seite" in page and "mindestens 4,5:1" in page


def pdf_text(pdf: bytes) -> tuple[str, str]:
    """The PDF's title and the text of its pages, as a reader extracts them."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        return document.get_metadata_dict().get("Title", ""), text
    finally:
        document.close()


def test_the_badge_pdf_is_in_the_events_language_not_the_organizers(client, console):
    """Badges are printed for the attendees: the PDF's own words follow the event's default
    language (German), whatever the organizer reads (Arabic); names are printed as typed."""
    event = console("ar")
    event.default_language = "de"
    db.session.commit()
    page = page_text(client.get(f"{client.base}/badges", headers=EN))
    assert 'data-badge-language="de"' in page and "Deutsch" in page  # the print page says so, in Arabic
    title, text = pdf_text(client.get(f"{client.base}/badges.pdf?paper=a4", headers=EN).data)
    assert title == "Badges · Rail Data Summit" and "Ada Nwosu" in text
    # An empty selection prints the sheet's one sentence: German, not Arabic or English.
    _, empty = pdf_text(client.get(f"{client.base}/badges.pdf?paper=a4&q=nobody-matches-this", headers=EN).data)
    assert "Keine Badges zu drucken." in empty and "No badges" not in empty
    event.default_language = "ar"
    db.session.commit()
    title, empty = pdf_text(client.get(f"{client.base}/badges.pdf?paper=a4&q=nobody-matches-this", headers=EN).data)
    assert title == "الشارات · Rail Data Summit" and "No badges" not in empty


def test_the_mailbox_in_german(app, client):
    from eventnet.mail.services import queue_email, send_due

    de = {"Accept-Language": "de-DE,de;q=0.9"}
    assert "Noch keine Nachrichten." in page_text(client.get("/dev/mail/", headers=de))
    queue_email(to="reader@example.org", subject="Hallo", template="login_link", kind="test",
                context={"event": {"name": "Mail Conf"}, "attendee": None, "url": "http://eventnet.test/login/abc",
                         "code": "123456", "minutes": 15})
    db.session.commit()
    send_due()
    index = page_text(client.get("/dev/mail/", headers=de))
    assert '<html lang="de"' in index
    assert "Entwicklungs-Postfach" in index and ">Betreff<" in index and ">Datum<" in index
    assert "Development mailbox" not in index and "No mail server is configured" not in index
    key = re.search(r'href="/dev/mail/([^"/]+)"', index).group(1)
    message = page_text(client.get(f"/dev/mail/{key}", headers=de))
    assert "Alle Nachrichten" in message and "Textteil" in message and "HTML-Teil" in message
    assert "Text part" not in message and "All messages" not in message


def test_the_email_change_pages_in_german(client, make_event, make_attendee):
    from eventnet.attendees import email_change

    event = make_event(slug="chg")
    ada = make_attendee(event, "ada@example.org", "Ada Nwosu")
    de = {"Accept-Language": "de-DE,de;q=0.9"}
    token = email_change.make_token(ada, "ada.new@example.org")
    ask = page_text(client.get(f"/e/chg/email-change/{token}", headers=de))
    assert "Die E-Mail-Adresse ändern, mit der Sie sich anmelden?" in ask
    assert "Bestätigen Sie nur, wenn ada.new@example.org Ihre eigene Adresse ist." in ask
    assert "Change the email you log in with" not in ask and "Confirm only if" not in ask
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', ask).group(1)
    done = page_text(client.post(f"/e/chg/email-change/{token}", data={"csrf_token": form_token}, headers=de))
    assert "Ihre neue E-Mail-Adresse ist bestätigt" in done and "Your new email is confirmed" not in done
    again = client.post(f"/e/chg/email-change/{token}", data={"csrf_token": form_token}, headers=de)
    problem = html.unescape(again.get_data(as_text=True))
    assert again.status_code == 409 and "Ihre E-Mail-Adresse wurde nicht geändert" in problem
    assert "with the address you use now" not in problem


def test_a_legacy_character_set_is_named_in_german(client, console):
    """A Windows-1252 file from Excel: the note, the warning and the character set select say so in German."""
    console("de")
    data = (ROOT / "tests" / "files" / "imports" / "excel-windows-1252.csv").read_bytes()
    boundary, body = encode_multipart({"csrf_token": client.token, "file": FileStorage(io.BytesIO(data), "excel.csv")})
    uploaded = client.post(f"{client.base}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = page_text(client.get(uploaded.headers["Location"], headers=EN))
    assert "Gelesen als Windows-1252 (westeuropäisch)" in page
    assert "Diese Datei ist nicht UTF-8: Sie wurde als Windows-1252 (westeuropäisch) gelesen" in page
    assert "Windows-1252 (westeuropäisch) (erkannt)" in page and "Windows-1250 (mitteleuropäisch)" in page
    assert "Western European" not in page and "Character set" not in page and "(detected)" not in page


def test_a_report_stored_before_translation_still_shows(client, console):
    """Reports stored by the English-only importer hold plain sentences: they are shown as they were."""
    from datetime import timedelta

    from eventnet.attendees.importer.models import CsvUpload
    from eventnet.database import utcnow

    event = console("de")
    rows = {"created": [], "updated": [], "unchanged": [], "skipped": [],
            "rejected": [{"row": 2, "email": "x", "name": "X", "reasons": ["email is missing"]}]}
    db.session.add(CsvUpload(id="old-report", event_id=event.id, filename="old.csv", data=None,
                             expires_at=utcnow() + timedelta(hours=1), imported_at=utcnow(), report={
                                 "filename": "old.csv", "rows": 1, "encoding": "UTF-8", "ignored": [],
                                 "notes": ["Read as UTF-8, columns separated by commas."],
                                 "mapping": [{"field": "email", "label": "Email", "header": "Email", "column": "A",
                                              "notes": [], "by_hand": False}], **rows}))
    db.session.commit()
    page = page_text(client.get(f"{client.base}/import/old-report/report", headers=EN))
    assert "Import von old.csv" in page and "Abgelehnt (1)" in page
    assert "email is missing" in page and "Read as UTF-8, columns separated by commas." in page


def test_the_command_lines_badge_pdf_is_in_the_events_language(app, make_event, make_attendee, tmp_path):
    """`flask badges pdf` prints the same badges as the console: the PDF's words in the event's
    default language, whatever language the shell speaks."""
    event = make_event(slug="cli-de")
    event.default_language = "de"
    make_attendee(event, name="Ada Nwosu")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["badges", "pdf", "cli-de", str(tmp_path / "de.pdf")])
    assert result.exit_code == 0, result.output
    title, text = pdf_text((tmp_path / "de.pdf").read_bytes())
    assert title == f"Badges · {event.name}" and "Ada Nwosu" in text
    event.default_language = "ar"
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["badges", "pdf", "cli-de", str(tmp_path / "ar.pdf")]).exit_code == 0
    title, _ = pdf_text((tmp_path / "ar.pdf").read_bytes())
    assert title == f"الشارات · {event.name}"
