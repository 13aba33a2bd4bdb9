"""Every page an attendee sees, in a real Chromium on a phone-sized screen (issue 12).

- axe-core (tests/vendor/axe-core) finds no WCAG 2.0/2.1/2.2 A or AA violation, in light and in
  dark mode, at 360 x 740; a screenshot of each page in each mode is saved to look at.
- At 320 px wide, with long unbroken names, emails, URLs and tags: nothing is wider than the
  screen, no focused control hides under the fixed tab bar (WCAG 2.2 SC 2.4.11, which axe cannot
  see), and targets are at least 44 x 44 px for controls and 24 x 24 px for every other
  standalone target (SC 2.5.8 asks 24; our own rule asks 44 for what a thumb presses most).

To check another page: write a builder (it gets the browser page and the World, logs in if it
must, and leaves the browser on the page) and add it to PAGES. The helpers (axe_violations,
overflow, focus_walk, small_targets) work on any Playwright page.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest
from conftest import guard_offsite, screenshot

from eventnet.attendees.models import Attendee
from eventnet.auth.services import create_login_link
from eventnet.connections.models import Connection
from eventnet.digests.tokens import make_token
from eventnet.events.models import Event
from eventnet.extensions import db
from eventnet.promises.models import Promise
from eventnet.promises.services import track

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
SCHEMES = ("light", "dark")
PHONE = {"width": 360, "height": 740}
NARROW = {"width": 320, "height": 640}

# ----------------------------------------------------------------------------- the checks


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page as it is now (the page's context needs
    bypass_csp=True: the app's CSP refuses a script it did not serve)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            })))""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:6]:
            summary = " ".join((node["summary"] or "").split())[:220]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def overflow(page) -> dict | None:
    """None when nothing is wider than the screen; else the page's width and the innermost culprits."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) { return null; }
        const wide = [...document.querySelectorAll('body *')].filter(el => {
            const r = el.getBoundingClientRect();
            return r.width && r.right > width + 0.5;
        });
        // The innermost ones: their ancestors are only as wide as they are.
        const culprits = wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
            .map(el => el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join('') + ' "' +
                 (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 30) + '" right=' +
                 Math.round(el.getBoundingClientRect().right));
        return {scrollWidth: document.documentElement.scrollWidth, width: width, culprits: culprits.slice(0, 10)};
    }""")


FOCUS_CHECK = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return {done: true}; }
    window.__a11ySeen = window.__a11ySeen || new Set();
    if (el.tagName !== 'IFRAME' && window.__a11ySeen.has(el)) { return {done: true}; }
    window.__a11ySeen.add(el);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
        (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
    // A link that wraps has a box per line: the centre of each, since the centre of the whole
    // may fall between its lines, on other text.
    const boxes = [...el.getClientRects()].filter(r => r.width && r.height);
    if (!boxes.length) { return {name: name, ok: true}; }
    let hit = null, y = 0, ok = false;
    for (const r of boxes) {
        const x = r.left + r.width / 2;
        y = r.top + r.height / 2;
        if (x < 0 || x >= innerWidth || y < 0 || y >= innerHeight) { continue; }
        hit = document.elementFromPoint(x, y);
        const label = hit && hit.closest('label');
        if (hit && (el.contains(hit) || (label && label.control === el))) { ok = true; break; }
    }
    let cover = '';
    if (!ok && hit) {
        const bar = hit.closest('.tabbar');
        cover = bar ? 'the tab bar' : hit.tagName.toLowerCase() + (hit.className ? '.' + hit.className : '');
    }
    // The focus ring: 3:1 against the colour around it (SC 1.4.11), drawn on the control or on
    // the label or chip that holds it.
    let ring = null;
    if (el.tagName !== 'IFRAME') {
        const rgb = text => (text.match(/[\\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map(c => c / 255)
            .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
            .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
        const holder = [el, el.closest('label')].find(h => h && getComputedStyle(h).outlineStyle !== 'none'
                                                        && parseFloat(getComputedStyle(h).outlineWidth) >= 2);
        if (!holder) {
            ring = 0;
        } else {
            let around = holder.parentElement, background = [255, 255, 255, 0];
            while (around) {
                background = rgb(getComputedStyle(around).backgroundColor);
                if (background.length < 4 || background[3] > 0.5) { break; }
                around = around.parentElement;
            }
            if (!around) { background = rgb(getComputedStyle(document.documentElement).backgroundColor); }
            const [a, b] = [lum(rgb(getComputedStyle(holder).outlineColor)), lum(background)];
            ring = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
    }
    return {name: name, ok: ok, cover: cover, y: Math.round(y), ring: ring};
}"""


def unfocus(page) -> None:
    """Back to the top with nothing focused, as the page opened."""
    page.evaluate("() => { window.scrollTo(0, 0); if (document.activeElement) { document.activeElement.blur(); } }")


def focus_walk(page, limit: int = 150) -> list[str]:
    """Tab through the page from the top: the focused controls whose centre something else covers
    (WCAG 2.2 SC 2.4.11, which axe cannot see), and those whose focus ring is missing or under
    3:1 against the page (SC 2.4.7, SC 1.4.11)."""
    unfocus(page)
    # Tab starts after the last focused element, even once blurred: start from the top.
    page.evaluate("""() => {
        window.__a11ySeen = new Set();
        const start = document.createElement('span');
        start.tabIndex = -1;
        start.id = 'a11y-walk-start';
        document.body.prepend(start);
        start.focus();
    }""")
    problems = []
    for step in range(limit):
        page.keyboard.press("Tab")
        if step == 0:
            page.evaluate("() => document.getElementById('a11y-walk-start').remove()")
        state = page.evaluate(FOCUS_CHECK)
        if state.get("done"):
            break
        if not state["ok"]:
            problems.append(f"focus hidden: {state['name']} at y={state['y']} is under "
                            f"{state['cover'] or 'nothing visible'}")
        if state["ring"] is not None and state["ring"] < 3:
            problems.append(f"focus ring: {state['name']} " +
                            ("has none" if not state["ring"] else f"is {state['ring']:.2f}:1 against the page"))
    return problems


SMALL_TARGETS = """() => {
    // Controls a thumb presses: 44 x 44 px. Every other standalone target: 24 x 24 px (SC 2.5.8).
    // Links inside a sentence are exempt (SC 2.5.8's inline exception), as are hidden elements.
    const primary = 'button, .button, input, select, textarea, .tabbar a, .chip, summary';
    const all = primary + ', a[href], label.check, label.chip';
    const small = [];
    const seen = new Set();
    for (let el of document.querySelectorAll(all)) {
        if (el.closest('[hidden], template, .visually-hidden, .skip-link')) { continue; }
        if (el.matches('input[type=hidden]')) { continue; }
        // A box or radio inside its label: the label is the target.
        if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) { el = el.closest('label'); }
        if (seen.has(el)) { continue; }
        seen.add(el);
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') { continue; }
        const r = el.getBoundingClientRect();
        if (!r.width && !r.height) { continue; }
        if (el.matches('a') && !el.matches(primary) && style.display === 'inline') {
            const block = el.parentElement.closest('p, li, dd, td, div, span, section');
            const own = (el.textContent || '').replace(/\\s+/g, '');
            const around = ((block || el.parentElement).textContent || '').replace(/\\s+/g, '');
            if (around !== own) { continue; }  // a link in running text
        }
        const need = el.matches(primary) ? 44 : 24;
        if (r.height < need - 0.5 || r.width < 24 - 0.5) {
            const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
            small.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' "' + text + '" ' +
                       Math.round(r.width) + 'x' + Math.round(r.height) + ' (needs ' + need + ')');
        }
    }
    return small;
}"""


def small_targets(page) -> list[str]:
    """The visible targets smaller than our minimum (see SMALL_TARGETS)."""
    return page.evaluate(SMALL_TARGETS)


# ----------------------------------------------------------------------------- the data


LONG = "Wolfeschlegelsteinhausenbergerdorffvoralternwaren"  # 49 letters, no place to break


@dataclass
class World:
    """What the page builders work with: an event, me (logged in where needed), contacts."""

    base: str
    event: Event
    me: Attendee
    contact: Attendee      # connected to me, shares everything
    stranger: Attendee     # same event, not connected
    connection: Connection  # my side of the exchange with `contact`
    long: bool

    def url(self, path: str) -> str:
        return self.base + path


def _person(event, email: str, name: str, long: bool, **extra) -> Attendee:
    from eventnet.attendees.services import upsert_attendee

    attendee = upsert_attendee(event, email, name, company=extra.pop("company", "Acme Analytics"),
                               headline=extra.pop("headline", "Data engineer"), role="attendee").attendee
    values = {
        "bio": "Builds data pipelines for public transport. Ask me about timetables.",
        "phone": "+49 30 1234567",
        "linkedin": "https://www.linkedin.com/in/" + (LONG.lower() + "-0123456789" if long else "ada-example"),
        "website": "https://" + (LONG.lower() + ".example.org/" + LONG.lower() if long else "example.org"),
        "links": [{"label": LONG if long else "Talk slides",
                   "url": "https://slides.example.org/" + (LONG + LONG if long else "talk")}],
        "can_help_with": (LONG + ", Python") if long else "Python, data pipelines",
        "looking_for": "hiring, open data",
        "shared_fields": ["photo", "headline", "company", "bio", "email", "phone", "linkedin", "website", "links",
                          "topics"],
        **extra,
    }
    for key, value in values.items():
        setattr(attendee, key, value)
    db.session.commit()
    return attendee


def make_world(live_server, long: bool = False) -> World:
    """An event now running, me, a contact with a note, and a stranger; long names if `long`."""
    from eventnet.events.services import create_event

    now = datetime.now(timezone.utc)
    event = create_event(slug="conf", name="Rail Data Summit" if not long else f"Summit {LONG}",
                         starts=now - timedelta(hours=2), ends=now + timedelta(hours=6),
                         timezone="Europe/Berlin", venue="Hall A")
    if long:
        me = _person(event, f"{LONG.lower()[:30]}@example.org", f"Ada {LONG}", long, company=LONG, headline=LONG)
        contact = _person(event, f"grace.{LONG.lower()}@example.org", f"{LONG}{LONG}", long, company=LONG)
        stranger = _person(event, "carla@example.org", f"Carla {LONG}", long)
    else:
        me = _person(event, "ada@example.org", "Ada Lovelace", long)
        contact = _person(event, "grace@example.org", "Grace Hopper", long, headline="Compiler engineer",
                          company="Navy Labs")
        stranger = _person(event, "carla@example.org", "Carla Cruz", long, headline="CTO", company="Tramways Ltd")
    at = now - timedelta(minutes=30)
    mine = Connection(event_id=event.id, owner_id=me.id, contact_id=contact.id, initiated=True, created_at=at,
                      scanned_at=at,
                      note="Met at the keynote. I'll send the slides tonight.", works_on="compilers",
                      needs=("https://example.org/" + LONG + LONG)[:300] if long else "a venue",
                      tags=[LONG[:30], "rust"] if long else ["rust", "hiring"], starred=True, intent="coffee")
    theirs = Connection(event_id=event.id, owner_id=contact.id, contact_id=me.id, initiated=False, created_at=at,
                        note="", tags=[], starred=False, intent="none")
    db.session.add_all([mine, theirs])
    db.session.commit()
    # A promise kept and one still open, due: the contact page and "My promises" list both.
    track(mine, (LONG + LONG)[:300] if long else "Intro to the Rust team", date(2030, 1, 5))
    done = track(mine, "Send the compiler paper")
    done.done_at = now
    db.session.commit()
    return World(live_server.url, event, me, contact, stranger, mine, long)


def log_in(page, world: World, attendee: Attendee | None = None) -> None:
    """Log the browser in as a person does: open a login link, press "Log in" (attendees land on
    the event's home, organizers on their dashboard)."""
    link = create_login_link(attendee or world.me)
    db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/e/[^/]+/(organizer/)?$"))


# ----------------------------------------------------------------------------- the pages

Builder = Callable[[object, World], None]


def _logged_in(path: Callable[[World], str]) -> Builder:
    def build(page, world: World) -> None:
        log_in(page, world)
        page.goto(world.url(path(world)))
    return build


def _visitor(path: Callable[[World], str]) -> Builder:
    def build(page, world: World) -> None:
        page.goto(world.url(path(world)))
    return build


def _check_email(page, world: World) -> None:
    page.goto(world.url("/e/conf/login"))
    page.get_by_label("Email address").fill(world.me.email)
    page.get_by_role("button", name="Email me a login link").click()
    page.get_by_role("heading", name="Check your email").wait_for()


def _confirm_login(page, world: World) -> None:
    link = create_login_link(world.me)
    db.session.commit()
    page.goto(link.url)


def _scanner(page, world: World) -> None:
    log_in(page, world)
    page.goto(world.url("/e/conf/scan"))
    # Without a camera the scanner settles on its help: check the page as it stays.
    page.locator("[data-camera-help]:not([hidden]), [data-camera-section]:not([hidden]) .scanner-view:not([hidden])"
                 ).first.wait_for()


def _scan_sheet(page, world: World) -> None:
    """The sheet a scan opens over the scanner (issue 12), fed the stranger's badge URL as the
    camera would hand it over (no camera here), once the server answered with the name."""
    from eventnet.badges.services import badge_url

    log_in(page, world)
    page.goto(world.url("/e/conf/scan"))
    page.wait_for_function("() => window.eventnetScanner !== undefined")
    page.evaluate("url => window.eventnetScanner.handleDecoded(url)", badge_url(world.stranger))
    page.locator("[data-sheet] #scan-card-name", has_text=world.stranger.name).wait_for()


def _badge_exchanged(page, world: World) -> None:
    """A badge page right after "Exchange cards": the note form swapped in under the name."""
    log_in(page, world)
    page.goto(world.url(f"/b/{world.stranger.badge_token}"))
    page.get_by_role("button", name="Exchange cards").click()
    page.locator(".head-status").wait_for()


def _face() -> bytes:
    """A photo for a profile: a face-coloured disc on blue, as a phone's JPEG."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), (40, 90, 160))
    ImageDraw.Draw(image).ellipse((400, 150, 800, 750), fill=(236, 188, 150))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _profile_with_photo(page, world: World) -> None:
    from eventnet.photos.services import set_photo

    set_photo(world.me, _face())
    log_in(page, world)
    page.goto(world.url("/e/conf/profile"))
    page.locator("#card-preview img.avatar").wait_for()


def _profile_with_errors(page, world: World) -> None:
    """A save that failed (htmx): two invalid fields, the focus on the first."""
    log_in(page, world)
    page.goto(world.url("/e/conf/profile"))
    page.get_by_label("Phone", exact=True).fill("call me maybe")
    page.get_by_label("Website", exact=True).fill("javascript:alert(1)")
    page.get_by_role("button", name="Save profile").click()
    page.locator("#p-phone[aria-invalid=true]").wait_for()


def _badge_with_photo(page, world: World) -> None:
    from eventnet.photos.services import set_photo

    set_photo(world.contact, _face())
    page.goto(world.url(f"/b/{world.contact.badge_token}"))
    page.locator(".person-head img.avatar").wait_for()


def _unsubscribe(page, world: World) -> None:
    page.goto(world.url(f"/e/conf/unsubscribe/{make_token('unsubscribe', world.me.id, world.event.id)}"))


def _followup(page, world: World) -> None:
    page.goto(world.url(f"/e/conf/followups/{make_token('followup-done', world.connection.id, world.me.id)}/done"))


def _promise_done(page, world: World) -> None:
    promise = db.session.execute(db.select(Promise).filter_by(owner_id=world.me.id, done_at=None)).scalars().first()
    page.goto(world.url(f"/e/conf/promises/{make_token('promise-done', promise.id, world.me.id)}/done"))


def _contacts_filters(page, world: World) -> None:
    # The book with filters active and the disclosure open: the summary names them, every control shows.
    log_in(page, world)
    page.goto(world.url("/e/conf/contacts/?starred=1&intent=coffee&sort=name"))
    page.locator("details.contact-filters > summary").click()
    page.get_by_label("Starred only").wait_for()


def _people_to_meet(page, world: World) -> None:
    """The home page with two suggestions, each with its reasons and "Not for me" (issue 14)."""
    from eventnet.meet.services import set_open

    long = world.long
    for email, name, asks in (("priya@example.org", f"Priya {LONG}" if long else "Priya Raman", "Python, mentoring"),
                              ("hugo@example.org", "Hugo Hire", "data pipelines")):
        person = _person(world.event, email, name, long, can_help_with="hiring, open data", looking_for=asks,
                         headline=LONG if long else "Head of data")
        set_open(person, True)
    log_in(page, world)
    page.goto(world.url("/e/conf/#meet-h"))
    page.locator("[data-suggested]").first.wait_for()


def _connect(world: World, owner: Attendee, contact: Attendee) -> Connection:
    """Both rows of a pair, as an exchange makes them; returns owner's."""
    rows = [Connection(event_id=world.event.id, owner_id=a.id, contact_id=b.id, initiated=a is owner)
            for a, b in ((owner, contact), (contact, owner))]
    db.session.add_all(rows)
    db.session.commit()
    return rows[0]


def _introduction_asked(page, world: World) -> None:
    """The home page with an introduction waiting for my answer (issue 14)."""
    from eventnet.introductions.services import introduce

    to_me = db.session.execute(db.select(Connection).filter_by(owner_id=world.contact.id, contact_id=world.me.id)).scalar_one()
    to_stranger = _connect(world, world.contact, world.stranger)
    introduce(world.contact, to_me, to_stranger.id, (LONG + " ") * 3 if world.long else "You both care about open data.")
    log_in(page, world)
    page.goto(world.url("/e/conf/#introductions-h"))
    page.locator("[data-introduction]").first.wait_for()


def _introduce_form(page, world: World) -> None:
    """The "Introduce to…" form with its refusal showing (the two are already connected)."""
    _connect(world, world.me, world.stranger)
    _connect(world, world.contact, world.stranger)
    log_in(page, world)
    page.goto(world.url(f"/e/conf/contacts/{world.connection.id}/introduce"))
    page.get_by_label("Introduce them to").select_option(index=1)
    page.get_by_label("Why they should meet").fill("Rails and compilers")
    page.get_by_role("button", name="Ask both").click()
    page.locator("[data-refused]").wait_for()


def _brand(world: World) -> None:
    """Give the world's event a look: a purple accent and a logo (red disc, dark bar, transparent)."""
    import io

    from PIL import Image, ImageDraw

    from eventnet.branding import services as branding

    logo = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((30, 30, 270, 270), fill=(200, 30, 60, 255))
    draw.rectangle((320, 100, 870, 200), fill=(20, 20, 20, 255))
    out = io.BytesIO()
    logo.save(out, "PNG")
    branding.set_accent(world.event, None, "#7b2cbf")
    branding.set_logo(world.event, None, out.getvalue())


def _branded(build: Builder) -> Builder:
    """The same page for an event with its own accent and logo (issue 13)."""
    def branded(page, world: World) -> None:
        _brand(world)
        build(page, world)
        page.locator("img.brand-logo").wait_for()
    return branded


PAGES: dict[str, Builder] = {
    "start": _visitor(lambda w: "/"),
    "login": _visitor(lambda w: "/e/conf/login"),
    "check-email": _check_email,
    "code": _visitor(lambda w: "/e/conf/login/code"),
    "confirm-login": _confirm_login,
    "link-problem": _visitor(lambda w: "/login/" + secrets.token_urlsafe(32)),
    "home": _logged_in(lambda w: "/e/conf/"),
    "home-people-to-meet": _people_to_meet,
    "my-follow-ups": _logged_in(lambda w: "/e/conf/me/follow-ups"),
    "home-introduction": _introduction_asked,
    "introduce": _introduce_form,
    "scan": _scanner,
    "scan-sheet": _scan_sheet,
    "search": _logged_in(lambda w: "/e/conf/scan/search?q=" + w.stranger.name.split()[0]),
    "contacts": _logged_in(lambda w: "/e/conf/contacts/"),
    "contacts-filters": _contacts_filters,
    "contacts-no-match": _logged_in(lambda w: "/e/conf/contacts/?q=nobody-matches-this&starred=1"),
    "contact": _logged_in(lambda w: f"/e/conf/contacts/{w.connection.id}"),
    "remove-contact": _logged_in(lambda w: f"/e/conf/contacts/{w.connection.id}/remove"),
    "profile": _logged_in(lambda w: "/e/conf/profile"),
    "profile-photo": _profile_with_photo,
    "profile-errors": _profile_with_errors,
    "my-qr": _logged_in(lambda w: "/e/conf/me/qr"),
    "my-data": _logged_in(lambda w: "/e/conf/my-data"),
    "card-holders": _logged_in(lambda w: "/e/conf/card/holders"),
    "card-holder": _logged_in(lambda w: f"/e/conf/card/holders/{w.contact.id}"),
    "digest-settings": _logged_in(lambda w: "/e/conf/digest"),
    "digest-preview": _logged_in(lambda w: "/e/conf/digest/preview"),
    "badge-visitor": _visitor(lambda w: f"/b/{w.contact.badge_token}"),
    "badge-to-exchange": _logged_in(lambda w: f"/b/{w.stranger.badge_token}"),
    "badge-exchanged": _badge_exchanged,
    "badge-connected": _logged_in(lambda w: f"/b/{w.contact.badge_token}"),
    "badge-own": _logged_in(lambda w: f"/b/{w.me.badge_token}"),
    "badge-photo": _badge_with_photo,
    "unsubscribe": _unsubscribe,
    "followup-done": _followup,
    "my-promises": _logged_in(lambda w: "/e/conf/me/promises"),
    "promise-done": _promise_done,
    "digest-link-problem": _visitor(lambda w: "/e/conf/unsubscribe/not-a-token"),
    "not-found": _visitor(lambda w: "/no/such/page"),
    "not-found-in-event": _logged_in(lambda w: "/e/conf/no/such/page"),
    "contact-not-found": _logged_in(lambda w: "/e/conf/contacts/999999"),
    "offline": _logged_in(lambda w: "/e/conf/offline"),
    "branded-login": _branded(_visitor(lambda w: "/e/conf/login")),
    "branded-home": _branded(_logged_in(lambda w: "/e/conf/")),
    "branded-contact": _branded(_logged_in(lambda w: f"/e/conf/contacts/{w.connection.id}")),
}


@pytest.fixture
def a11y_page(open_page):
    """A phone page whose context lets axe-core in (bypass_csp) and refuses off-machine requests."""
    return lambda viewport=PHONE: open_page(viewport, bypass_csp=True)


def test_the_vendored_axe_is_the_version_the_readme_names():
    head = AXE.read_text(encoding="utf-8")[:200]
    assert f"axe v{AXE_VERSION}" in head
    readme = (AXE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"axe-core@{AXE_VERSION}" in readme and (AXE.parent / "LICENSE").is_file()


@pytest.mark.parametrize("name", PAGES)
def test_axe_and_the_focus_walk_find_nothing_in_light_and_dark_mode(name, a11y_page, live_server):
    world = make_world(live_server)
    page = a11y_page()
    PAGES[name](page, world)
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        unfocus(page)
        screenshot(page, f"a11y-{name}-{scheme}")
        problems = describe_violations(axe_violations(page)).splitlines() + focus_walk(page)
        if problems:
            found[scheme] = "\n".join(problems)
    assert not found, "\n".join(f"--- {scheme}:\n{text}" for scheme, text in found.items())


@pytest.mark.parametrize("name", PAGES)
def test_long_names_fit_320_px_focus_stays_visible_and_targets_are_big(name, a11y_page, live_server):
    world = make_world(live_server, long=True)
    page = a11y_page(NARROW)
    PAGES[name](page, world)
    screenshot(page, f"a11y-{name}-320-long")
    problems = []
    wide = overflow(page)
    if wide:
        problems.append(f"wider than the screen: {wide}")
    problems += [f"small target: {t}" for t in small_targets(page)]
    problems += focus_walk(page)
    assert not problems, "\n".join(problems)
