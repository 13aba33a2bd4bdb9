"""One journey per language on a 360 px phone (issue 15): an attendee whose browser asks for
English, German, French, Spanish or Arabic, and who never chose a language, asks for a login
link, gets it over real SMTP, logs in, exchanges cards on a badge page, writes a note with a
follow-up, a prompted part, a star and tags, finds the contact again, and after the event gets the
digest over real SMTP, opened in the same browser: every step in that language.

Each step has English strings that must be gone (and must be there in the English journey, so the
lists stay true to the pages) and native strings that must be there. The Arabic journey is right
to left: each step is saved as test-artifacts/screenshots/journey-ar-<step>.png for a person to
look at, and checked here for what a screenshot shows (the first tab at the right-hand edge, the
disclosure triangle pointing left, nothing wider than the screen).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import PHONE_VIEWPORT, guard_offsite, screenshot
from playwright.sync_api import expect
from test_digest import by_recipient
from test_i18n_browser import compiled_catalogs  # noqa: F401  (compiles the catalogs once per module)

from eventnet.connections.models import Connection
from eventnet.database import utcnow
from eventnet.digests import services as digests
from eventnet.extensions import db
from eventnet.mail.sender import deliver_due

pytestmark = pytest.mark.browser

EVENT = "Rail Data Summit"
LOCALES = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "ar": "ar-EG"}

# What the English journey shows at each step; none of it may be left in another language's.
ENGLISH = {
    "login": ["Log in to Rail Data Summit", "Email address", "Email me a login link", "Change language",
              "ask at the help desk"],
    "check": ["Check your email", "is registered for", "Code from the email"],
    "email": ["Your login link for Rail Data Summit", "Hello Mira Okafor", "here is your link to log in",
              "The link and the code work once", "If you did not ask to log in"],
    "confirm": ["Log in as Mira Okafor?", "This logs you in to", "Not you, or did not ask"],
    "home": ["Hello, Mira Okafor", "You are logged in.", "Your badge", "Show my QR", "Who has my card", "Log out",
             "Profile"],
    "badge": ["Exchange cards", "gets your card too", "Save contact"],
    "note": ["Cards exchanged just now.", "What did you talk about?", "Save note", "Saved at", "Coffee", "Works on",
             "Only you see your note", "At most 5,000 characters.", "What they get of your card",
             "like to stay in touch", "Open the full contact card", "Followed up?", "Mark follow-up done",
             "Add coffee to calendar"],
    "contacts": ["Search name, company, your notes and tags", "Filters", "1 of 1 match"],
    "digest": ["Mira, your 1 contact from Rail Data Summit", "Hello Mira", "you met 1 person", "Your note",
               "Works on:", "Meet for coffee", "Suggestion:", "Mark done", "Unsubscribe", "Choose what you receive",
               "promises still open"],
    # The digest's HTML as the browser shows it (no subject line).
    "digest page": ["Hello Mira", "you met", "Works on:", "Mark done", "Unsubscribe"],
}

# What each language's journey shows instead (some of it: the words the step is about).
NATIVE = {
    "de": {
        "login": ["Bei Rail Data Summit anmelden", "E-Mail-Adresse", "Anmeldelink per E-Mail senden",
                  "Sprache wechseln", "Info-Schalter"],
        "check": ["Sehen Sie in Ihr Postfach", "Code aus der E-Mail"],
        "email": ["Ihr Anmeldelink für Rail Data Summit", "Hallo Mira Okafor"],
        "confirm": ["Als Mira Okafor anmelden?"],
        "home": ["Hallo, Mira Okafor", "Sie sind angemeldet.", "Ihr Badge", "Meinen QR-Code zeigen", "Abmelden",
                 "Kontakte", "Profil"],
        "badge": ["Karten austauschen", "bekommt auch Ihre Karte", "Kontakt speichern"],
        "note": ["Karten soeben ausgetauscht.", "Worüber haben Sie gesprochen?", "Notiz speichern",
                 "Gespeichert um", "Kaffee", "Arbeitet an", "Nur Sie sehen Ihre Notiz", "Höchstens 5.000 Zeichen.",
                 "Was die Person von Ihrer Karte bekommt"],
        "contacts": ["Name, Firma, Ihre Notizen und Tags durchsuchen", "Filter", "1 von 1 passt"],
        "digest": ["Mira, Ihr 1 Kontakt von Rail Data Summit", "Hallo Mira", "Ihre Notiz", "Arbeitet an: moving block",
                   "Auf einen Kaffee treffen", "Abmelden"],
        "digest page": ["Hallo Mira", "Arbeitet an: moving block", "Als erledigt markieren", "Abmelden"],
    },
    "fr": {
        "login": ["Se connecter à Rail Data Summit", "Adresse e-mail", "M’envoyer un lien de connexion",
                  "Changer de langue", "accueil"],
        "check": ["Consultez vos e-mails", "Code reçu par e-mail"],
        "email": ["Votre lien de connexion à Rail Data Summit", "Bonjour Mira Okafor"],
        "confirm": ["Se connecter en tant que Mira Okafor\u00a0?"],
        "home": ["Bonjour, Mira Okafor", "Vous êtes connecté·e.", "Votre badge", "Afficher mon QR code",
                 "Se déconnecter", "Contacts", "Profil"],
        "badge": ["Échanger nos cartes", "reçoit aussi votre carte", "Enregistrer le contact"],
        "note": ["Cartes échangées à l’instant.", "De quoi avez-vous parlé\u00a0?", "Enregistrer la note",
                 "Enregistré à", "Café", "Travaille sur", "Vous seul·e voyez votre note", "5\u202f000 caractères",
                 "Ce que la personne reçoit de votre carte"],
        "contacts": ["Rechercher nom, entreprise, vos notes et tags", "Filtres", "1 sur 1 correspond"],
        "digest": ["Mira, votre 1 contact de Rail Data Summit", "Bonjour Mira", "Votre note",
                   "Travaille sur\u00a0: moving block", "Prendre un café", "Se désabonner"],
        "digest page": ["Bonjour Mira", "Travaille sur\u00a0: moving block", "Se désabonner"],
    },
    "es": {
        "login": ["Iniciar sesión en Rail Data Summit", "Correo electrónico", "Enviarme un enlace de acceso",
                  "Cambiar de idioma", "mostrador de ayuda"],
        "check": ["Revisa tu correo", "Código del correo"],
        "email": ["Tu enlace de acceso a Rail Data Summit", "Hola, Mira Okafor"],
        "confirm": ["¿Iniciar sesión como Mira Okafor?"],
        "home": ["Hola, Mira Okafor", "Has iniciado sesión.", "Tu acreditación", "Mostrar mi QR", "Cerrar sesión",
                 "Contactos", "Perfil"],
        "badge": ["Intercambiar tarjetas", "también recibe tu tarjeta", "Guardar contacto"],
        "note": ["Tarjetas intercambiadas ahora mismo.", "¿De qué hablaron?", "Guardar nota", "Guardado a las",
                 "Café", "Trabaja en", "Solo tú ves tu nota", "5.000 caracteres", "Lo que recibe de tu tarjeta"],
        "contacts": ["Buscar nombre, empresa, tus notas y etiquetas", "Filtros", "1 de 1 coincide"],
        "digest": ["Mira, tu 1 contacto de Rail Data Summit", "Hola, Mira", "Tu nota", "Trabaja en: moving block",
                   "Quedar para un café", "Darse de baja"],
        "digest page": ["Hola, Mira", "Trabaja en: moving block", "Darse de baja"],
    },
    "ar": {
        "login": ["تسجيل الدخول إلى Rail Data Summit", "عنوان البريد الإلكتروني", "أرسل لي رابط تسجيل الدخول",
                  "تغيير اللغة", "مكتب المساعدة"],
        "check": ["تحقّق من بريدك الإلكتروني", "الرمز الوارد في البريد"],
        "email": ["رابط تسجيل دخولك إلى Rail Data Summit", "مرحبًا Mira Okafor"],
        "confirm": ["تسجيل الدخول باسم Mira Okafor؟"],
        "home": ["مرحبًا، Mira Okafor", "لقد سجّلت الدخول.", "شارتك", "اعرض رمز QR الخاص بي", "تسجيل الخروج",
                 "جهات الاتصال", "الملف الشخصي"],
        "badge": ["تبادل البطاقات", "على بطاقتك أيضًا", "احفظ جهة الاتصال"],
        "note": ["تم تبادل البطاقات للتو.", "عمّ تحدثتما؟", "احفظ الملاحظة", "حُفظ الساعة", "قهوة", "يعمل على",
                 "لا يرى ملاحظتك", "ما يحصل عليه من بطاقتك"],
        "contacts": ["ابحث في الاسم والشركة وملاحظاتك ووسومك", "عوامل التصفية", "1 من 1 مطابقة"],
        "digest": ["Mira، جهة اتصال واحدة لك من Rail Data Summit", "مرحبًا Mira", "ملاحظتك", "يعمل على: moving block",
                   "لا وعود مفتوحة، متابعة واحدة",
                   "لقاء على فنجان قهوة", "إلغاء الاشتراك"],
        "digest page": ["مرحبًا Mira", "يعمل على: moving block", "إلغاء الاشتراك"],
    },
}


# An English day or month name is a date formatted by strftime, not by Babel for the language
# (not "Mon": French says "Mon QR").
ENGLISH_DATE = re.compile(r"\b(Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def in_language(language: str, step: str, text: str) -> None:
    """`text` (a page's visible text, an email) is in `language` as far as `step` goes."""
    if language == "en":
        missing = [s for s in ENGLISH[step] if s not in text]
        assert not missing, f"{step}: the English journey no longer shows {missing}"
        return
    left = [s for s in ENGLISH[step] if s in text] + ENGLISH_DATE.findall(text)
    assert not left, f"{step} in {language}: English left: {left} in:\n{text}"
    missing = [s for s in NATIVE[language][step] if s not in text]
    assert not missing, f"{step} in {language}: missing {missing} in:\n{text}"


# Text nodes where a file extension's dot is drawn right of its first letter: "(vcf.)" on a
# right-to-left page, where the catalog needs a left-to-right mark before the dot.
BACKWARD_EXTENSIONS = """() => {
    const backward = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const box = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                               return r.getBoundingClientRect(); };
    while (walker.nextNode()) {
        const node = walker.currentNode;
        for (const match of node.data.matchAll(/\\.(vcf|csv)\\b/g)) {
            const dot = box(node, match.index), letter = box(node, match.index + 1);
            if (dot.width && letter.width && dot.x > letter.x) backward.push(node.data.trim());
        }
    }
    return backward;
}"""


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def on_page(page, language: str, step: str) -> None:
    """The page's language, direction, words and width; the Arabic and the German (longest) pages
    saved to look at, before anything is asserted, so a failing step is there too."""
    if language in ("ar", "de"):
        screenshot(page, f"journey-{language}-{step}")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    in_language(language, step, page.evaluate("document.body.innerText"))
    assert fits(page), f"{step} in {language} scrolls sideways"
    if language == "ar":
        assert page.evaluate(BACKWARD_EXTENSIONS) == [], "a file extension reads 'vcf.' right to left"


def deliver(app_factory, smtp_server, base_url: str) -> int:
    """Send what is due to the SMTP server, as `flask mail send` does, with the served BASE_URL."""
    sender = app_factory(SMTP_URL=smtp_server.url, BASE_URL=base_url)
    with sender.app_context():
        report = deliver_due()
        db.session.remove()
    assert report.failed == 0
    return report.sent


def saved_note(page, owner) -> Connection:
    """Owner's side of the exchange once every autosave has landed (each field saves on its own)."""
    for _ in range(50):
        db.session.expire_all()
        mine = db.session.execute(db.select(Connection).filter_by(owner_id=owner.id)).scalar_one()
        if mine.tags == ["rail", "signalling"] and mine.starred and mine.works_on and mine.intent == "coffee":
            return mine
        page.wait_for_timeout(100)
    return mine


def open_email(context, html: str):
    """An email's HTML in a fresh tab of the phone's browser, as a mail app shows it. A fresh tab:
    set_content on a page of the app would keep that page's CSP, which refuses the email's
    inline styles."""
    view = context.new_page()
    guard_offsite(view)
    view.set_content(html)
    return view


def bodies(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", list(LOCALES))
def test_login_exchange_note_and_digest_in_the_browsers_language(language, browser, live_server, app_factory,
                                                                   smtp_server, make_event, make_attendee):
    rtl = language == "ar"
    event = make_event(slug=f"rail-{language}", name=EVENT)
    me = make_attendee(event, f"mira.{language}@example.org", "Mira Okafor", headline="")
    kofi = make_attendee(event, f"kofi.{language}@example.org", "Kofi Mensah", headline="Signalling engineer",
                         shared_fields=["headline"])
    assert me.language is None  # no choice: only the browser says which language
    base = live_server.url
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=LOCALES[language])
    page = context.new_page()
    page.set_default_timeout(10_000)
    guard_offsite(page)
    try:
        # The login page, then the link asked for from it.
        page.goto(f"{base}/e/{event.slug}/login")
        on_page(page, language, "login")
        page.locator("#login-email").fill(me.email)
        page.locator("main form.card button[type=submit]").click()
        expect(page.locator("h1")).not_to_contain_text("Rail")
        on_page(page, language, "check")

        # The email, over SMTP, in the language of the browser that asked for it.
        assert deliver(app_factory, smtp_server, base) == 1
        [msg] = smtp_server.messages()
        text, html = bodies(msg)
        in_language(language, "email", f"{msg['Subject']}\n{text}\n{html}")
        assert f'<html lang="{language}" dir="{"rtl" if rtl else "ltr"}">' in html
        mail_view = open_email(context, html)
        if language in ("ar", "de"):
            screenshot(mail_view, f"journey-{language}-email")
        assert fits(mail_view), f"the login email scrolls sideways in {language}"
        mail_view.close()
        link = re.search(r"http://127\.0\.0\.1:\d+/login/\S+", text).group(0)

        page.goto(link)
        on_page(page, language, "confirm")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(rf"/e/{event.slug}/$"))
        on_page(page, language, "home")
        # The tab bar starts at the start edge: the right-hand one, right to left.
        tabs = page.locator(".tabbar a")
        first, last = tabs.first.bounding_box(), tabs.last.bounding_box()
        if rtl:
            assert first["x"] + first["width"] >= 359 and first["x"] > last["x"]
        else:
            assert first["x"] <= 1 and first["x"] < last["x"]

        # The exchange, on the other attendee's badge page.
        page.goto(f"{base}/b/{kofi.badge_token}")
        on_page(page, language, "badge")
        # Typing before htmx has processed the swapped-in note form would type into a form that
        # never autosaves: wait for the swap to settle.
        page.evaluate("""() => { window.journeySettled = new Promise(done =>
            document.body.addEventListener("htmx:afterSettle", done, {once: true})); }""")
        page.locator("#exchange-panel button[type=submit]").click()
        page.evaluate("() => window.journeySettled.then(() => true)")
        note = page.locator("textarea[name=note]")
        note.press_sequentially("ETCS Level 3")
        status = page.locator("[id^=note-status-]")
        expect(status).to_contain_text(re.compile(r"\d\d?[:.]\d\d"))  # autosaved: "Gespeichert um 10:42"
        page.locator(".note-part > summary.chip").first.click()
        page.locator("[name=works_on]").fill("moving block")
        page.locator(".intent-choice input[value=coffee]").check()
        page.locator(".star-choice input").check()
        page.locator("input[name=tags]").fill("rail, signalling")
        page.locator("input[name=tags]").dispatch_event("change")
        mine = saved_note(page, me)
        assert (mine.note, mine.works_on, mine.intent, mine.starred) == ("ETCS Level 3", "moving block", "coffee", True)
        on_page(page, language, "note")

        # Found again in the contact book, by a word of the note.
        page.goto(f"{base}/e/{event.slug}/contacts/?q=ETCS")
        expect(page.locator(".contact-row")).to_have_count(1)
        on_page(page, language, "contacts")
        marker = page.evaluate("getComputedStyle(document.querySelector('.contact-filters summary'), '::before').content")
        assert marker == ('"◂"' if rtl else '"▸"'), "the closed filters' triangle points to where the text goes"

        # The event ends; the digest goes out over SMTP in the language the attendee's browser spoke.
        event.ends = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert digests.queue_digests(event) == 2
        assert deliver(app_factory, smtp_server, base) == 2
        mail = by_recipient(smtp_server)
        digest = mail[me.email]
        text, html = bodies(digest)
        in_language(language, "digest", f"{digest['Subject']}\n{text}\n{html}")
        assert f'<html lang="{language}" dir="{"rtl" if rtl else "ltr"}">' in html
        assert "ETCS Level 3" in text and "moving block" in text
        # Kofi never logged in: his digest is in the event's default language, English.
        assert mail[kofi.email]["Subject"] == "Kofi, your 1 contact from Rail Data Summit"

        # Opened in the browser: the digest's words, direction and width on the phone.
        page = open_email(context, html)
        if language in ("ar", "de"):
            screenshot(page, f"journey-{language}-digest")
        in_language(language, "digest page", page.evaluate("document.body.innerText"))
        assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")
        assert fits(page), f"the digest scrolls sideways in {language}"
        # Its link to the contact opens the app's contact page, still in the language.
        page.locator(f'a[href="{base}/e/{event.slug}/contacts/{mine.id}"]').first.click()
        page.wait_for_url(f"{base}/e/{event.slug}/contacts/{mine.id}")
        expect(page.locator("textarea[name=note]")).to_have_value("ETCS Level 3")
        expect(page.locator("html")).to_have_attribute("lang", language)
    finally:
        pages = context.pages
        context.close()
    assert [url for view in pages for url in view.offsite_requests] == []
