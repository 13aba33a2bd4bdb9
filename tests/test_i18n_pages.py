"""The attendee's own pages in their language (issue 15): the contact page, the contact book, the
profile and My follow-ups, for a logged-in attendee who chose German or Arabic.

Each page is checked twice: a set of its English strings must be gone, and a few of the
language's own must be there (so an empty catalog cannot pass). Through HTTP, with the compiled
catalogs (the fixture compiles them, so this file runs on its own).
"""
from __future__ import annotations

import html
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from eventnet.connections import keep_in_touch
from eventnet.connections.services import connection_between, record_scan
from eventnet.extensions import db
from eventnet.promises.services import track

ROOT = Path(__file__).resolve().parent.parent

# What each page says in English, wrapped for translation; none of it may be left in de or ar.
# (A browser that asks for English must not matter: the attendee's choice wins.)
ENGLISH = {
    "contact": ["What did you talk about?", "Save note", "Only you see your note", "Separated by commas",
                "I'd like to stay in touch", "Marked, privately.", "Your promises", "Mark done",
                "Remove contact", "All contacts", "Save to phone contacts", "You scanned them", "Introductions",
                "Meet for coffee", "What they get of your card", ">Headline<", ">Company<"],
    "book": ["Search contacts", "Filters", "Most recent", "Any follow-up", "How we met", "Starred only",
             "Take your contacts with you", "For Outlook or Google", "I scanned", "Meet for coffee",
             "Keep in touch", " contact<", " contacts<"],
    "profile": ["Your profile", "What people get when they scan you", "About you", "Given name", "Short bio",
                "I can help with", "I'm looking for", "Save profile", "Shared together", "Add a photo",
                "Upload photo", "People to meet", "Who has my card"],
    "followups": ["My follow-ups", ">Promises<", "1 open:", "Meet for coffee", "Keep in touch<",
                  "You both said you'd like to stay in touch", "Mark one done on the contact's page",
                  "Mark done"],
    "home": ["People to meet", "Who has my card", "Choose what each person gets", "My follow-ups", "My data",
             "Log out"],
}
NATIVE = {
    "de": {
        "contact": ["Worüber haben Sie gesprochen?", "Notiz speichern", "Ich möchte in Kontakt bleiben",
                    "Auf einen Kaffee treffen", "Kontakt entfernen", "Ihre Versprechen"],
        "book": ["Kontakte durchsuchen", "Wie wir uns trafen", "Nehmen Sie Ihre Kontakte mit", "Ich habe gescannt"],
        "profile": ["Ihr Profil", "Über Sie", "Kurzbiografie", "Profil speichern", "Leute zum Kennenlernen"],
        "followups": ["Meine Follow-ups", "Versprechen", "1 offen:", "Auf einen Kaffee treffen", "In Kontakt bleiben"],
        "home": ["Leute zum Kennenlernen", "Wer meine Karte hat", "Wählen Sie, was jede Person erhält", "Abmelden"],
    },
    "ar": {
        "contact": ["عمّ تحدثتما؟", "احفظ الملاحظة", "أودّ البقاء على تواصل", "لقاء على فنجان قهوة",
                    "أزِل جهة الاتصال", "وعودك"],
        "book": ["ابحث في جهات الاتصال", "كيف تعارفنا", "خذ جهات اتصالك معك", "مسحتُه"],
        "profile": ["ملفك الشخصي", "عنك", "نبذة قصيرة", "احفظ الملف الشخصي", "أشخاص للقائهم"],
        "followups": ["متابعاتي", "الوعود", "وعد واحد مفتوح", "لقاء على فنجان قهوة", "البقاء على تواصل"],
        "home": ["اختر ما يحصل عليه كل شخص"],
    },
}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


def _exchange(a, b):
    record_scan(a, b.badge_token, str(uuid.uuid4()), None)
    db.session.commit()
    return connection_between(a, b), connection_between(b, a)


@pytest.fixture
def world(client, login, make_event, make_attendee):
    """An attendee who chose `language` (set by the test) with one contact: a coffee follow-up, a
    promise, and a wish to keep in touch that both made."""
    def build(language: str):
        event = make_event(slug=f"i18n-{language}", name="Rail Data Summit")
        me = make_attendee(event, f"me-{language}@example.org", "Mina Haddad", language=language,
                           can_help_with="data engineering", looking_for="hiring")
        bo = make_attendee(event, f"bo-{language}@example.org", "Bo Larsen")
        mine, theirs = _exchange(me, bo)
        mine.intent = "coffee"
        db.session.commit()
        track(mine, "Send the slides on offline sync")
        keep_in_touch.mark(mine, True)
        keep_in_touch.mark(theirs, True)
        login(client, me)
        return event, me, mine

    return build


def page_text(client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def pages(event, connection) -> dict[str, str]:
    return {"contact": f"/e/{event.slug}/contacts/{connection.id}", "book": f"/e/{event.slug}/contacts/",
            "profile": f"/e/{event.slug}/profile", "followups": f"/e/{event.slug}/me/follow-ups",
            "home": f"/e/{event.slug}/"}


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
@pytest.mark.parametrize("name", ["contact", "book", "profile", "followups", "home"])
def test_an_attendees_page_has_no_english_left(client, world, language, direction, name):
    event, _, connection = world(language)
    page = page_text(client, pages(event, connection)[name])
    assert f'<html lang="{language}" dir="{direction}">' in page
    left = [english for english in ENGLISH[name] if english in page]
    assert not left, f"English left on the {name} page in {language}: {left}"
    missing = [native for native in NATIVE[language][name] if native not in page]
    assert not missing, f"not in {language} on the {name} page: {missing}"


def test_the_german_book_counts_one_kontakt_and_two_kontakte(client, world, make_attendee):
    event, me, _ = world("de")
    assert "1 Kontakt<" in page_text(client, f"/e/{event.slug}/contacts/")
    _exchange(me, make_attendee(event, "cy@example.org", "Cy Okafor"))
    page = page_text(client, f"/e/{event.slug}/contacts/")
    assert "2 Kontakte<" in page and "2 Kontakt<" not in page


def test_flash_and_form_messages_follow_the_language(client, world):
    """A message made in Python (a validation error on the profile form, a flash after saving a
    note) is in the attendee's language too."""
    from conftest import csrf_token

    event, _, connection = world("de")
    profile = f"/e/{event.slug}/profile"
    response = client.post(profile, data={"csrf_token": csrf_token(client, profile), "name": "Mina Haddad",
                                          "phone": "12"}, headers=EN)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Eine Telefonnummer hat 6 bis 20 Ziffern (jetzt 2)." in page and "A phone number" not in page
    contact = f"/e/{event.slug}/contacts/{connection.id}"
    client.post(f"{contact}/note", data={"csrf_token": csrf_token(client, contact), "note": "Rust", "save": "1"},
                headers=EN)
    assert "Notiz gespeichert." in page_text(client, contact)


def test_english_stays_as_it_was(client, world):
    """Without a choice of language, the same pages read as before (the strings the other tests
    of these features compare)."""
    event, me, connection = world("de")
    me.language = "en"
    db.session.commit()
    for name, url in pages(event, connection).items():
        page = page_text(client, url)
        assert '<html lang="en" dir="ltr">' in page, name
    assert "1 contact<" in page_text(client, f"/e/{event.slug}/contacts/")
    assert "What did you talk about?" in page_text(client, pages(event, connection)["contact"])
