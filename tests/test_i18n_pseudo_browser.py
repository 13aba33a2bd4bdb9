"""Every page an attendee and an organizer reach, in the pseudo-locale, on a 360 px phone.

scripts/pseudo_locale.py turns every message of the catalog into accented, 40% longer text
("Save note" -> "⟦Šáṽé ñöţé ~~~~⟧") and the app serves it as English. So on each page:

- any plain ASCII letter a person can see is text that did not come through the catalog: an
  untranslated string (the people, the event and the notes of this test are written in Greek and
  Cyrillic, so user data never looks like one; e-mail addresses, the English month and day
  names that Babel formats, and the lint's ALLOWED words are set aside);
- the longer text must not make the page scroll sideways, stick out of the screen, or be cut
  off inside a box that hides its overflow (user data cut off with an ellipsis is by design).

One journey in one browser session, one visit per page (CI runs it once). Screenshots go to
test-artifacts/screenshots/pseudo-<page>.png.
"""
from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import get_day_names, get_month_names, get_period_names
from conftest import PHONE_VIEWPORT, LiveServer, free_port, screenshot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the lint and the builder are dev tools under scripts/

from scripts.i18n_lint import _ALLOWED_RE  # noqa: E402
from scripts.pseudo_locale import ACCENTED, OPEN, build  # noqa: E402

PSEUDO_LETTERS = set("".join(chr(c) for c in ACCENTED.values()))
# User data that is ASCII whatever the language: addresses, links, colours (badge codes: the
# fixture's).
USER_DATA = re.compile(r"\S+@\S+|https?://\S+|#[0-9a-fA-F]{3,8}\b")
# Babel formats dates and lists with the locale's own words (CLDR's, not the catalog's): English
# ones in this locale, "Sun 06 Dec" and "30 and 90".
LOCALE_WORDS = {name.rstrip(".") for width in ("wide", "abbreviated") for names in (
    get_month_names(width, locale="en"), get_day_names(width, locale="en")) for name in names.values()} | {
    get_period_names(locale="en")[period] for period in ("am", "pm")} | {word for patterns in Locale("en").list_patterns.values()
                                   for pattern in patterns.values() for word in re.findall(r"[A-Za-z]+", pattern)}

# What a person sees: text nodes and the attributes read out or shown, of visible elements.
VISIBLE_TEXT = """() => {
  const shown = (el) => el.checkVisibility({ checkVisibilityCSS: true });
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.nodeValue.trim();
    if (text && el && !el.closest("script, style, template, code, kbd, samp") && shown(el)) { out.push(text); }
  }
  for (const el of document.body.querySelectorAll("[placeholder], [aria-label], [alt], [title], input[type=submit]")) {
    if (!shown(el)) { continue; }
    for (const name of ["placeholder", "aria-label", "alt", "title"]) {
      if (el.getAttribute(name)) { out.push(el.getAttribute(name)); }
    }
    if (el.matches("input[type=submit]")) { out.push(el.value); }
  }
  return out;
}"""
# Sideways scrolling, elements out of the screen, and text cut off by overflow: hidden or clip.
OVERFLOW = """() => {
  const problems = [], width = window.innerWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const clips = (style) => ["hidden", "clip"].includes(style.overflowX);
  if (document.documentElement.scrollWidth > width) {
    problems.push({ what: "the page scrolls sideways", el: "html", size: document.documentElement.scrollWidth, text: "" });
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({ checkVisibilityCSS: true })) { continue; }
    const style = getComputedStyle(el), text = (el.innerText || "").trim().slice(0, 80);
    if (clips(style) && el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && text) {
      problems.push({ what: "cut off", el: describe(el), size: el.scrollWidth + " > " + el.clientWidth, text });
    }
    const rect = el.getBoundingClientRect();
    // Partly on the screen and partly off it (a skip link parked far off-screen is by design).
    if (rect.width && ((rect.left < width && rect.right > width + 1) || (rect.left < -1 && rect.right > 0)) && text) {
      let scroller = el.parentElement;
      while (scroller && !["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(scroller).overflowX)) {
        scroller = scroller.parentElement;
      }
      if (!scroller || scroller === document.body || scroller === document.documentElement) {
        problems.push({ what: "out of the screen", el: describe(el), size: Math.round(rect.left) + ".." + Math.round(rect.right), text });
      }
    }
  }
  return problems;
}"""


def untranslated(text: str, codes: frozenset[str] = frozenset()) -> bool:
    """Whether `text` holds an ASCII word that is not user data (`codes`: the badge codes shown),
    a CLDR word or an allowed word."""
    text = _ALLOWED_RE.sub(" ", USER_DATA.sub(" ", text))
    for code in codes:
        text = text.replace(code, " ")
    return any(word not in LOCALE_WORDS for word in re.findall(r"[A-Za-z]+", text))


def is_catalog_text(text: str) -> bool:
    return OPEN in text or any(c in PSEUDO_LETTERS for c in text)


@pytest.fixture
def pseudo_app(app_factory, tmp_path):
    """The app served on a port, speaking the pseudo-locale as English.

    Flask-Babel keeps loaded catalogs in one cache for the whole process, keyed by language: it is
    emptied before and after, so neither the real English nor this pseudo one leaks across tests.
    """
    from eventnet.extensions import babel

    directory = tmp_path / "pseudo-translations"
    build(directory)
    port = free_port()
    live = LiveServer(app_factory(BASE_URL=f"http://127.0.0.1:{port}",
                                  BABEL_TRANSLATION_DIRECTORIES=f"{directory};{ROOT / 'translations'}"), port)
    with live.app.app_context():
        cache = babel.domain_instance.cache  # one Domain for every app of the process
        cache.clear()
        live.thread.start()
        yield live
    live.server.shutdown()
    live.thread.join(5)
    cache.clear()


@pytest.fixture
def hall(pseudo_app):
    """An organizer who is an attendee too, with contacts, a note, a promise, a coffee and people to
    meet; every name and word of user data in Greek or Cyrillic."""
    from eventnet.attendees.services import upsert_attendee
    from eventnet.connections import keep_in_touch
    from eventnet.connections.services import connection_between, record_scan
    from eventnet.events.services import create_event
    from eventnet.extensions import db
    from eventnet.meet.services import set_open
    from eventnet.promises.services import track
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    event = create_event(slug="pseudo", name="Σύνοδος Δεδομένων", starts=now - timedelta(hours=2),
                         ends=now + timedelta(hours=6), timezone="Europe/Berlin", venue="Αίθουσα Β")
    shared = ["headline", "company", "email", "topics"]

    def person(email, name, **kw):
        attendee = upsert_attendee(event, email, name, company=kw.pop("company", "Ωμέγα"),
                                   headline=kw.pop("headline", "Μηχανικός"), role=kw.pop("role", "attendee")).attendee
        attendee.shared_fields = shared
        for key, value in kw.items():
            setattr(attendee, key, value)
        db.session.commit()
        return attendee

    me = person("zoe@example.org", "Ζωή Αλεξίου", role="organizer", can_help_with="ανάλυση δεδομένων",
                looking_for="πρόσληψη")
    boris = person("boris@example.org", "Борис Ларсен", company="Альфа", headline="Инженер")
    yoko = person("yoko@example.org", "Йоко Ито", looking_for="ανάλυση δεδομένων")
    mira = person("mira@example.org", "Мира Петрова", looking_for="ανάλυση δεδομένων")  # to meet: no contact yet
    for other in (yoko, mira):
        set_open(other, True)
    for other in (boris, yoko):
        record_scan(me, other.badge_token, str(uuid.uuid4()), None)
        record_scan(other, me.badge_token, str(uuid.uuid4()), None)
    db.session.commit()
    mine = connection_between(me, boris)
    mine.intent = "coffee"
    mine.note = "Συζητήσαμε για σιδηροδρόμους"
    db.session.commit()
    track(mine, "Να στείλω τις διαφάνειες")
    keep_in_touch.mark(mine, True)
    keep_in_touch.mark(connection_between(boris, me), True)
    return event, me, boris, mine


def test_every_page_in_the_pseudo_locale_is_translated_and_fits_a_phone(browser, pseudo_app, hall):
    from eventnet.auth.services import create_login_link
    from eventnet.extensions import db

    event, me, boris, contact = hall
    base, e = pseudo_app.url, f"/e/{event.slug}"
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-US")
    found: dict[str, dict] = {}
    codes = frozenset({me.short_code, boris.short_code})  # the code under a QR, typed by hand

    def look(name: str) -> None:
        page.wait_for_load_state()
        texts = page.evaluate(VISIBLE_TEXT)
        problems = page.evaluate(OVERFLOW)
        screenshot(page, f"pseudo-{name}")
        found[name] = {
            "untranslated": sorted({t for t in texts if untranslated(t, codes)}),
            # Cut off or out of the screen matters for the catalog's text; a long name cut off
            # with an ellipsis is the design.
            "overflow": [p for p in problems if p["what"] == "the page scrolls sideways" or is_catalog_text(p["text"])],
        }

    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}{e}/login")
        look("login")
        page.fill("input[name=email]", me.email)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r"/login/code"))
        look("check-email")
        with pseudo_app.app.app_context():  # the served app's BASE_URL goes into the link
            link = create_login_link(db.session.merge(me))
            db.session.commit()
        page.goto(link.url)
        look("confirm-login")
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(re.escape(e)))
        pages = {
            "home": f"{e}/", "profile": f"{e}/profile", "scanner": f"{e}/scan", "my-qr": f"{e}/me/qr",
            "badge-card": f"/b/{boris.badge_token}", "contact": f"{e}/contacts/{contact.id}",
            "contact-book": f"{e}/contacts/", "follow-ups": f"{e}/me/follow-ups", "promises": f"{e}/me/promises",
            "introductions": f"{e}/contacts/{contact.id}/introduce", "card-holders": f"{e}/card/holders",
            "digest-settings": f"{e}/digest", "my-data": f"{e}/my-data",
            "organizer-dashboard": f"{e}/organizer/", "attendee-list": f"{e}/organizer/attendees",
            "import-upload": f"{e}/organizer/import", "digest-control": f"{e}/organizer/digests",
            "event-settings": f"{e}/organizer/event", "audit": f"{e}/organizer/audit",
            "badges-print": f"{e}/organizer/badges", "look": f"{e}/organizer/look",
        }
        for name, path in pages.items():
            response = page.goto(base + path)
            assert response.status == 200, f"{name}: {path} answered {response.status}"
            look(name)
            if name == "home":  # people to meet is a section of the home page: it must be there
                assert page.locator("#meet [data-suggested]").count() >= 1, "no people to meet on the home page"
    finally:
        context.close()

    report = []
    for name, result in found.items():
        for text in result["untranslated"]:
            report.append(f"{name}: untranslated: {text!r}")
        for problem in result["overflow"]:
            report.append(f"{name}: {problem['what']}: {problem['el']} ({problem['size']}) {problem['text']!r}")
    if report:
        pytest.fail(f"{len(report)} problems on {len({r.split(':')[0] for r in report})} of {len(found)} pages:\n"
                    + "\n".join(report), pytrace=False)


def test_the_pseudo_locale_keeps_every_placeholder_tag_and_entity(tmp_path):
    """Each message's pseudo-translation passes Babel's placeholder check, has no ASCII letter
    outside what it must keep, and its text is at least 40% longer; the compiled catalog loads."""
    from babel.messages.pofile import read_po
    from babel.support import Translations

    from scripts.pseudo_locale import KEPT, POT, pseudo

    assert pseudo("Hello %(name)s, <a href=\"/x\">read</a> &amp; go") == \
        '⟦Ĥéļļö %(name)s, <a href="/x">ŕéáð</a> &amp; ĝö ~~~~~~~⟧'
    with open(POT, "rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            message.string = tuple(pseudo(i) for i in ids) if isinstance(message.id, tuple) else pseudo(message.id)
            for original in ids:
                assert not re.search("[A-Za-z]", KEPT.sub("", pseudo(original))), original
                assert len(KEPT.sub("", pseudo(original))) >= 1.4 * len(KEPT.sub("", original)), original
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    translations = Translations.load(str(build(tmp_path).parents[2]), ["en"])
    assert translations.ngettext("%(num)d contact", "%(num)d contacts", 2) == "⟦%(num)d çöñţáçţš ~~~~⟧"
