"""Every attendee in their own language: which language a page and an email get, and the settings.

Through HTTP and a real SMTP server, with the compiled catalogs (scripts/i18n.py compile, which
scripts/test.sh runs; the fixture below compiles them too, so a single file runs on its own).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.dates import format_skeleton
from conftest import csrf_token

from eventnet.extensions import db
from eventnet.mail.services import send_due

ROOT = Path(__file__).resolve().parent.parent
DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


def login_page(client, event, **headers):
    return client.get(f"/e/{event.slug}/login", headers=headers)


def test_accept_language_de_gives_a_german_page(client, make_event):
    event = make_event()
    response = login_page(client, event, **DE)
    page = response.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in page
    assert f"Bei {event.name} anmelden" in page and "Anmeldelink per E-Mail senden" in page
    assert "Email me a login link" not in page
    assert response.headers["Content-Language"] == "de"
    # Anonymous pages depend on the browser's language: a cache must keep one copy per language.
    assert "Accept-Language" in response.headers["Vary"]


def test_unknown_or_missing_accept_language_gives_english(client, make_event):
    event = make_event()
    for headers in ({"Accept-Language": "zh-CN,ja;q=0.8"}, {}, {"Accept-Language": "zz-ZZ;q=abc"}):
        response = login_page(client, event, **headers)
        page = response.get_data(as_text=True)
        assert '<html lang="en" dir="ltr">' in page, headers
        assert "Email me a login link" in page
        assert response.headers["Content-Language"] == "en"


def test_arabic_is_right_to_left(client, make_event):
    event = make_event()
    page = login_page(client, event, **{"Accept-Language": "ar-EG,ar;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "أرسل لي رابط تسجيل الدخول" in page


def test_the_event_default_applies_without_a_header(client, make_event):
    event = make_event()
    event.default_language = "es"
    db.session.commit()
    page = login_page(client, event).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page and "Enviarme un enlace de acceso" in page
    # The browser's language still comes first.
    assert '<html lang="de"' in login_page(client, event, **DE).get_data(as_text=True)


def test_the_attendees_choice_beats_the_browser(client, login, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event, name="Fleur Martin", language="fr")
    login(client, attendee)
    response = client.get(f"/e/{event.slug}/", headers=DE)
    page = response.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Bonjour, Fleur Martin" in page and ">Accueil</a>" in page  # the page and its tab bar
    assert response.headers["Content-Language"] == "fr"
    # The attendee's own choice answers whatever the browser asks.
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_home_dates_are_formatted_by_babel_in_the_events_zone(client, login, make_event, make_attendee):
    event = make_event(timezone="America/New_York")
    attendee = make_attendee(event, language="de")
    login(client, attendee)
    page = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    start = event.local(event.starts_at)
    day = format_skeleton("MMMEd", start, tzinfo=start.tzinfo, locale="de")  # "Di., 1. Dez."
    assert f"{day}, {start:%H:%M} bis " in page
    assert "Hallo, " in page and "Ihr Badge" in page


def test_plural_minutes_in_german(app_factory, make_event):
    for minutes, wanted in ((1, "Er läuft in 1 Minute ab"), (2, "Er läuft in 2 Minuten ab")):
        app = app_factory(LOGIN_TOKEN_MINUTES=minutes)
        with app.app_context():
            event = make_event()
            client = app.test_client()
            with client.session_transaction() as session:
                session["login_email"] = "someone@example.org"
            page = client.get(f"/e/{event.slug}/login/code", headers=DE).get_data(as_text=True)
            assert wanted in page, minutes


def test_login_email_goes_out_in_the_attendees_language(app_factory, smtp_server, make_event, make_attendee):
    event = make_event(name="Brückenbau 2026")
    make_attendee(event, email="greta@example.org", name="Greta Vogel", language="de")
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        client = smtp_app.test_client()
        # Her browser says English; her saved choice is German, and that is what she reads.
        data = {"email": "greta@example.org", "csrf_token": csrf_token(client, f"/e/{event.slug}/login")}
        assert client.post(f"/e/{event.slug}/login", data=data,
                           headers={"Accept-Language": "en-US"}).status_code == 303
        assert send_due() == 1
    [msg] = smtp_server.messages()
    assert msg["Subject"] == "Ihr Anmeldelink für Brückenbau 2026"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hallo Greta Vogel,") and "Oder geben Sie diesen Code auf der Anmeldeseite ein:" in text
    assert "15 Minuten lang" in text
    assert '<html lang="de" dir="ltr">' in html and "Bei Brückenbau 2026 anmelden" in html
    # Her link logs her in, and the welcome is German too, whatever the browser says.
    path = urlsplit(re.search(r"http://eventnet\.test(/login/[A-Za-z0-9_\-]+)", text).group(0)).path
    with smtp_app.app_context():
        token = csrf_token(client, path)
        client.post(path, data={"csrf_token": token}, headers={"Accept-Language": "en-US"})
        home = client.get(f"/e/{event.slug}/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Willkommen, Greta Vogel. Sie sind angemeldet." in home and '<html lang="de"' in home


def test_login_email_without_a_choice_follows_the_requesting_browser(app, client, make_event, make_attendee):
    from eventnet.mail.models import OutboxMessage

    event = make_event()
    make_attendee(event, email="ana@example.org")
    data = {"email": "ana@example.org", "csrf_token": csrf_token(client, f"/e/{event.slug}/login")}
    client.post(f"/e/{event.slug}/login", data=data, headers={"Accept-Language": "es-MX,es;q=0.9"})
    row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert row.subject.startswith("Tu enlace de acceso a ") and "Hola, " in row.text_body


def test_help_desk_email_is_in_the_attendees_language_not_the_organizers(client, login, make_event, make_attendee):
    from eventnet.connections.services import record_scan
    from eventnet.mail.models import OutboxMessage

    event = make_event(slug="desk")
    event.default_language = "de"
    organizer = make_attendee(event, role="organizer", language="fr")
    ada = make_attendee(event, email="ada@example.org")
    other = make_attendee(event)
    record_scan(ada, other.badge_token, "2b7c5d7e-9a51-4c43-9a0e-1df0f3c1a0d1", None)  # data: emailed
    db.session.commit()
    login(client, organizer)
    token = csrf_token(client, "/e/desk/organizer/attendees")
    response = client.post(f"/e/desk/organizer/attendees/{ada.id}/login-link", data={"csrf_token": token},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    row = db.session.execute(db.select(OutboxMessage).filter_by(kind="login_link")).scalar_one()
    assert row.subject.startswith("Ihr Anmeldelink für") and "vom Info-Schalter" in row.text_body


def test_attendee_saves_a_language_on_my_data(client, login, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event)
    login(client, attendee)
    overview = f"/e/{event.slug}/my-data"
    page = client.get(overview).get_data(as_text=True)
    assert 'id="language-form"' in page and 'hx-post="/e/%s/language"' % event.slug in page
    token = csrf_token(client, overview)
    response = client.post(f"/e/{event.slug}/language", data={"language": "de", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(overview)
    db.session.refresh(attendee)
    assert attendee.language == "de"
    page = client.get(overview, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="de"' in page and "Sprache gespeichert." in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    # htmx: the whole page reloads in the new language.
    htmx = client.post(f"/e/{event.slug}/language", data={"language": "", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].endswith(overview)
    db.session.refresh(attendee)
    assert attendee.language is None  # automatic again: the browser's language, else the event's


def test_a_language_we_do_not_ship_is_refused(client, login, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event)
    login(client, attendee)
    token = csrf_token(client, f"/e/{event.slug}/my-data")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/e/{event.slug}/language", data={"language": "xx", "csrf_token": token},
                               headers=headers)
        assert response.status_code == 422
    db.session.refresh(attendee)
    assert attendee.language is None
    assert client.post("/language", data={"language": "klingon", "csrf_token": token}).status_code == 422


def test_saving_a_language_needs_a_login_for_that_event(client, login, make_event, make_attendee):
    event, other_event = make_event(), make_event()
    stranger = make_attendee(other_event)
    response = client.post(f"/e/{event.slug}/language", data={"language": "de"})
    assert response.status_code in (303, 400)  # no session (and no CSRF token): nothing saved
    login(client, stranger)
    token = csrf_token(client, f"/e/{other_event.slug}/my-data")
    response = client.post(f"/e/{event.slug}/language", data={"language": "de", "csrf_token": token})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    db.session.refresh(stranger)
    assert stranger.language is None


def test_the_login_page_switcher_sets_a_cookie_honoured_before_accept_language(client, make_event):
    event = make_event()
    page = login_page(client, event, **DE).get_data(as_text=True)
    assert 'action="/language"' in page and f'name="next" value="/e/{event.slug}/login"' in page
    token = csrf_token(client, f"/e/{event.slug}/login")
    response = client.post("/language", data={"language": "ar", "next": f"/e/{event.slug}/login",
                                              "csrf_token": token}, headers=DE)
    assert response.status_code == 303 and response.headers["Location"] == f"/e/{event.slug}/login"
    assert "lang=ar" in response.headers["Set-Cookie"]
    assert '<html lang="ar" dir="rtl">' in login_page(client, event, **DE).get_data(as_text=True)
    # An off-site `next` goes to the start page instead (no open redirect).
    response = client.post("/language", data={"language": "fr", "next": "//evil.example/", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_organizer_sets_the_events_default_language(client, login, make_event, make_attendee):
    event = make_event(slug="lang-org")
    organizer = make_attendee(event, role="organizer")
    login(client, organizer)
    settings = "/e/lang-org/organizer/event"
    page = client.get(settings).get_data(as_text=True)
    assert '<select id="ev-default_language" name="default_language"' in page
    form = {"csrf_token": csrf_token(client, settings), "name": event.name, "venue": event.venue,
            "timezone": event.timezone, "starts_at": event.local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": event.local(event.ends_at).strftime("%Y-%m-%dT%H:%M"), "default_language": "fr"}
    assert client.post(settings, data=form).status_code == 303
    db.session.refresh(event)
    assert event.default_language == "fr"
    assert client.post(settings, data={**form, "default_language": "tlh"}).status_code == 422
    db.session.refresh(event)
    assert event.default_language == "fr"
    # A form without the field (an older page) keeps the event's language.
    assert client.post(settings, data={k: v for k, v in form.items() if k != "default_language"}).status_code == 303
    db.session.refresh(event)
    assert event.default_language == "fr"


def test_the_catalogs_are_current_and_complete(tmp_path):
    """Every wrapped string is in translations/messages.pot, and every shipped language translates
    each one (all plural forms), with nothing fuzzy: run scripts/i18n.py extract and update, then
    translate, when this fails."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from eventnet.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    # N_ marks data kept in English (eventnet.i18n.markers), translated where shown.
    # say/say_n: the importer's stored sentences (eventnet/attendees/importer/said.py).
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None,
                "say": None, "say_n": (1, 2)}
    found = {m[2] if isinstance(m[2], str) else m[2][0]
             for m in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert found == template, "run scripts/i18n.py extract and update"
    # Missing or extra ids, untranslated, fuzzy, an empty plural form, a placeholder the English
    # lacks, a wrong Plural-Forms header (scripts/i18n_lint.py; tests/test_i18n_lint.py proves each).
    from scripts.i18n_lint import catalog_problems

    for code in LANGUAGES:
        if code == DEFAULT_LANGUAGE:
            continue
        problems = catalog_problems(ROOT / "translations" / code / "LC_MESSAGES" / "messages.po", template)
        assert problems == [], f"{code}: " + "\n".join(problems)
