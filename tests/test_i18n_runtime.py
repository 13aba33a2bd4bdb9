"""Everything translated outside the page templates (issue 15): the command line, the web
manifest, the visitor's offline page, the scanner's words for its JavaScript, the promise
phrases of each language, and dates and numbers written by Babel.

Through the real app (CLI runner, HTTP), with the compiled catalogs.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask_babel import force_locale

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.i18n.cli import environment_language
from eventnet.i18n.formats import local_time, number
from eventnet.promises.detection import PHRASES, looks_like_promise
from eventnet.promises.services import suggestion_for

ROOT = Path(__file__).resolve().parent.parent
GERMAN = {"LANG": "de_DE.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
NEUTRAL = {"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


# ----------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("environ, language", [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "fr_CA.UTF-8"}, "fr"),
    ({"LANG": "ar_EG.UTF-8@latin"}, "ar"),
    ({"LANGUAGE": "it:es", "LANG": "de_DE.UTF-8"}, "es"),  # GNU's list: the first one we ship
    ({"LC_ALL": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "fr"),  # LC_ALL before LANG
    ({"LC_MESSAGES": "es_ES.UTF-8", "LANG": "de_DE.UTF-8"}, "es"),
    ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "de"),  # C names no language: the next one does
    ({"LANG": "ja_JP.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({}, "en"),
])
def test_the_command_lines_language_is_the_environments(environ, language):
    assert environment_language(environ) == language


@pytest.fixture
def listed_event(make_event):
    return make_event(slug="pycon-2026", name="PyCon 2026", timezone="Europe/Berlin",
                      starts=datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc),
                      ends=datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc))


def test_a_command_speaks_german_under_a_german_locale_and_english_otherwise(runner, listed_event):
    german = runner.invoke(args=["events", "list"], env=GERMAN)
    assert german.exit_code == 0, german.output
    # Babel's German dates (no "Tue", "Dec") and the sentence's own words.
    assert "pycon-2026  PyCon 2026  Di., 1. Dez. 2026, 09:00 bis Mi., 2. Dez. 2026, 18:00 (Europe/Berlin)" in german.output
    english = runner.invoke(args=["events", "list"], env=NEUTRAL)
    assert "Tue, Dec 1, 2026, 09:00 to Wed, Dec 2, 2026, 18:00 (Europe/Berlin)" in english.output

    refused = runner.invoke(args=["attendees", "login-url", "nope", "a@example.org"], env=GERMAN)
    assert refused.exit_code == 1
    assert "Keine Veranstaltung mit dem Slug 'nope'. Bekannte Veranstaltungen: pycon-2026." in refused.output
    assert "No event" not in refused.output

    queued = runner.invoke(args=["digests", "queue", "pycon-2026"], env=GERMAN)
    assert queued.output.strip() == "0 Zusammenfassungen für pycon-2026 eingereiht"
    assert runner.invoke(args=["digests", "queue", "pycon-2026"], env=NEUTRAL).output.strip() == \
        "queued 0 digests for pycon-2026"


def test_help_texts_and_docstrings_are_translated(runner):
    german = runner.invoke(args=["digests", "run", "--help"], env=GERMAN).output
    assert "Die fälligen Zusammenfassungen und Erinnerungen erstellen" in german  # the docstring
    assert "Nur die fälligen Einträge anlegen" in german  # an option's help
    assert "Beispielzeile für die crontab" in german and "flask digests run" in german  # a verbatim block
    assert "Create the digests" not in german
    group = runner.invoke(args=["digests", "--help"], env=GERMAN).output
    assert "Die Zusammenfassungen und Erinnerungen" in group  # the group's help and its commands' short help
    english = runner.invoke(args=["digests", "run", "--help"], env=NEUTRAL).output
    assert "Create the digests and reminders that are due" in english and "cron" in english


def test_a_commands_language_does_not_stay_behind_for_the_next_request(app, runner, client, listed_event):
    runner.invoke(args=["events", "list"], env=GERMAN)
    page = client.get("/e/pycon-2026/login", headers={"Accept-Language": "en"})
    assert 'lang="en"' in page.get_data(as_text=True)


# ----------------------------------------------------------------------------- manifest, offline page


@pytest.mark.parametrize("language, direction, words", [
    ("de", "ltr", "Tauschen Sie auf der Veranstaltung Karten aus"),
    ("ar", "rtl", "تبادل البطاقات في الفعالية"),
    ("en", "ltr", "Exchange cards at the event by scanning badges"),
])
def test_the_manifest_is_in_the_language_its_url_names(client, language, direction, words):
    response = client.get(f"/manifest.webmanifest?lang={language}", headers={"Accept-Language": "fr"})
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["lang"] == language and manifest["dir"] == direction
    assert words in manifest["description"]
    assert manifest["name"] == manifest["short_name"] == "eventnet"  # the brand
    assert "Accept-Language" not in response.headers.get("Vary", "")  # the URL alone says the language


def test_the_manifest_without_a_language_follows_the_browser_and_says_so(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "fr"})
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["lang"] == "fr" and "Échangez vos cartes" in manifest["description"]
    assert "Accept-Language" in response.headers["Vary"]


def test_each_page_links_the_manifest_of_its_own_language(client, make_event):
    make_event(slug="conf")
    page = client.get("/e/conf/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=ar">' in page


@pytest.mark.parametrize("language, direction, heading", [
    ("de", "ltr", "Sie sind offline"), ("ar", "rtl", "أنت غير متصل"), ("en", "ltr", "You are offline")])
def test_the_visitors_offline_page_is_rendered_in_the_visitors_language(client, language, direction, heading):
    response = client.get("/offline", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Content-Language"] == language
    assert f'<html lang="{language}" dir="{direction}">' in page and f"<h1>{heading}</h1>" in page
    assert "/static/css/app.css" in page and "<script" not in page  # it must work from the cache alone
    if language != "en":
        assert "This page was not saved" not in page


def test_the_service_worker_keeps_the_visitors_offline_page(client):
    source = client.get("/sw.js").get_data(as_text=True)
    assert 'var OFFLINE_URL = "/offline";' in source
    assert "You are offline" not in source  # no English of its own: the page it keeps says it


# ----------------------------------------------------------------------------- the scanner's words


def scanner_words(client, login, attendee, language) -> dict:
    attendee.language = language
    db.session.commit()
    login(client, attendee)
    page = client.get(f"/e/{attendee.event.slug}/scan").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="i18n-js">(.*?)</script>', page, re.S).group(1)
    return json.loads(block)


def test_the_scanner_page_carries_its_scripts_words_in_its_language(client, login, make_event, make_attendee):
    event = make_event(slug="conf")
    me = make_attendee(event, "me@example.org", "Me")
    german = scanner_words(client, login, me, "de")
    assert german["pend"] == "Gespeichert, wird synchronisiert"
    assert german["reasons"]["denied"].startswith("Die Kamera ist für diese Website blockiert")
    assert german["wait"] == {"one": "{n} wartet auf Synchronisierung", "other": "{n} warten auf Synchronisierung"}
    arabic = scanner_words(client, login, me, "ar")
    assert arabic["notBadge"] == "ليست شارة من هذه الفعالية"
    # One sentence for every count in Arabic: only "other" travels (the script falls back to it).
    assert arabic["waitOff"] == {"other": "بانتظار المزامنة: {n} (دون اتصال)"}
    english = scanner_words(client, login, me, "en")
    assert english["wait"] == {"other": "{n} waiting to sync"}  # "1 waiting" reads the same
    # Letters as they are, and nothing that could close the <script> element.
    raw = client.get("/e/conf/scan").get_data(as_text=True)
    assert "\\u0" not in raw.split('id="i18n-js">')[1].split("</script>")[0].replace("\\u003c", "")


def test_no_script_shows_a_sentence_of_its_own(app):
    # The words come from the page: an English sentence written into a script would stay English.
    for name in ("scanner.js", "queue.js", "organizer.js"):
        source = (ROOT / "static" / "js" / name).read_text(encoding="utf-8")
        code = re.sub(r"//.*", "", source)
        for english in ("Saved, will sync", "waiting to sync", "Not a badge", "The camera is blocked",
                        "The server refused", ' ticked)"', "Point the camera", "A deleted attendee"):
            assert english not in code, (name, english)


# ----------------------------------------------------------------------------- promise phrases


@pytest.mark.parametrize("language, note, sentence", [
    # German
    ("de", "Sucht zwei Backend-Leute. Schicke ihm morgen die Folien.", "Schicke ihm morgen die Folien"),
    ("de", "Ich melde mich nach der Konferenz bei ihr", "Ich melde mich nach der Konferenz bei ihr"),
    ("de", "Werde sie Maria vorstellen.", "Werde sie Maria vorstellen"),
    ("de", "Habe versprochen, das Paper weiterzuleiten", "Habe versprochen, das Paper weiterzuleiten"),
    ("de", "Liefert Teile für Bosch. Wohnt in Köln.", None),  # "Teile" is parts, not "I share"
    ("de", "Absender des besten Newsletters", None),
    # French
    ("fr", "Cherche un designer. Je lui envoie le lien demain.", "Je lui envoie le lien demain"),
    ("fr", "Je vais la présenter à Marie", "Je vais la présenter à Marie"),
    ("fr", "Relancer en mars pour la subvention", "Relancer en mars pour la subvention"),
    ("fr", "Va présenter à PyCon. Vit à Lyon.", None),  # giving a talk is not introducing someone
    ("fr", "Compromis trouvé sur le budget", None),
    # Spanish
    ("es", "Busca financiación. Le mando el CV el viernes.", "Le mando el CV el viernes"),
    ("es", "Voy a presentarle a Lucía", "Voy a presentarle a Lucía"),
    ("es", "Prometí compartir las diapositivas", "Prometí compartir las diapositivas"),
    ("es", "Va a presentar en la charla de la tarde", None),  # someone else giving a talk
    ("es", "Trabaja en Madrid, le encanta el café", None),
    # Arabic, with and without its optional marks, and "and" joined to the verb
    ("ar", "يبحث عن مصمم. سأرسل له العرض غدًا.", "سأرسل له العرض غدًا"),
    ("ar", "وسأعرّفه على فريق المنصة", "وسأعرّفه على فريق المنصة"),
    ("ar", "ساعرفه على فريق المنصة", "ساعرفه على فريق المنصة"),
    ("ar", "وعدته بمشاركة الشرائح", "وعدته بمشاركة الشرائح"),
    ("ar", "وعد مهندسة في دبي", None),  # Waad, a name
    ("ar", "سوف يسافر إلى باريس", None),  # someone else's future
    # English notes by a German, French, Spanish or Arabic speaker are still read
    ("de", "Send him the deck", "Send him the deck"),
    ("ar", "I'll intro her to Maria", "I'll intro her to Maria"),
])
def test_promise_detection_in_each_language(language, note, sentence):
    assert looks_like_promise(note, language) == sentence


def test_every_shipped_language_has_its_table():
    from eventnet.i18n.languages import LANGUAGES

    assert set(PHRASES) == set(LANGUAGES)


def test_a_note_is_read_in_its_authors_language(make_event, make_attendee):
    event = make_event(slug="conf")
    author = make_attendee(event, "author@example.org", "Author")
    other = make_attendee(event, "other@example.org", "Other")
    connection = record_scan(author, other.badge_token, str(uuid.uuid4())).connection
    connection.note = "Arbeitet an Compilern. Schicke ihm die Folien."
    author.language = "de"
    db.session.commit()
    with force_locale("en"):  # whoever looks (a digest being built, say), the author's language decides
        assert suggestion_for(connection) == "Schicke ihm die Folien"
    author.language = None
    db.session.commit()
    with force_locale("en"):
        assert suggestion_for(connection) is None  # English alone does not read it
    with force_locale("de"):  # no choice of theirs: the language their own pages are in
        assert suggestion_for(connection) == "Schicke ihm die Folien"


# ----------------------------------------------------------------------------- dates and numbers


MOMENT = datetime(2026, 12, 5, 22, 57, 8, tzinfo=timezone.utc)  # 23:57 in Berlin


@pytest.mark.parametrize("language, fmt, text", [
    ("en", "%d %b, %H:%M", "Dec 5, 23:57"),
    ("de", "%d %b, %H:%M", "5. Dez., 23:57"),
    ("fr", "%d %b, %H:%M", "5 déc., 23:57"),
    ("es", "%a %H:%M", "sáb, 23:57"),
    ("ar", "%d %b, %H:%M", "5 ديسمبر، 23:57"),
    ("de", "%a %d %b %Y, %H:%M", "Sa., 5. Dez. 2026, 23:57"),
    ("ar", "%H:%M:%S", "23:57:08"),
])
def test_local_time_writes_the_languages_month_and_day_names(app, make_event, language, fmt, text):
    event = make_event(timezone="Europe/Berlin")
    with force_locale(language):
        assert local_time(MOMENT, fmt, event) == text


def test_arabic_digits_are_latin_in_dates_and_counts(app, make_event):
    event = make_event(timezone="Europe/Berlin")
    with force_locale("ar"):
        assert re.fullmatch(r"[0-9]+ ديسمبر 2026", local_time(MOMENT, "%d %b %Y", event))
        assert number(1234) == "1,234"
    with force_locale("de"):
        assert number(1234) == "1.234"


def test_pages_show_the_languages_dates(client, login, make_event, make_attendee):
    event = make_event(slug="conf")
    me = make_attendee(event, "me@example.org", "Me")
    other = make_attendee(event, "other@example.org", "Other Person")
    connection = record_scan(me, other.badge_token, str(uuid.uuid4())).connection
    connection.created_at = MOMENT
    me.language = "de"
    db.session.commit()
    login(client, me)
    page = html.unescape(client.get(f"/e/conf/contacts/{connection.id}").get_data(as_text=True))
    assert "Sa., 5. Dez. 2026, 23:57" in page and "Sat 05 Dec" not in page


def test_the_offline_page_in_the_language_the_page_names(client):
    # sw.js asks for it in the language of the page the visitor last opened.
    response = client.get("/offline?lang=ar", headers={"Accept-Language": "de"})
    assert response.headers["Content-Language"] == "ar" and 'dir="rtl"' in response.get_data(as_text=True)
    assert client.get("/offline?lang=xx", headers={"Accept-Language": "de"}).headers["Content-Language"] == "de"


def test_the_coffee_calendar_file_is_in_the_readers_language(app, make_event, make_attendee):
    from eventnet.digests.ics import coffee_ics

    event = make_event(slug="conf", name="PyConf", timezone="Europe/Berlin")
    me = make_attendee(event, "me@example.org", "Me")
    other = make_attendee(event, "other@example.org", "Bob Builder")
    connection = record_scan(me, other.badge_token, str(uuid.uuid4())).connection
    connection.created_at = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
    db.session.commit()
    with app.test_request_context(), force_locale("de"):
        text = coffee_ics(connection, {"name": "Bob Builder"}, event)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Kaffee mit Bob Builder" in unfolded
    assert "Sie haben Bob Builder am 4. Mai 2026 bei PyConf (Hall A) getroffen." in unfolded and " May " not in unfolded
