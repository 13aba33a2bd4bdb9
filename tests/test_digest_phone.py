"""The digest on a phone (issue 12): notes first, note-less contacts as a compact list, drafts a
person would write, the mailto carrying them, and the HTML's height and size at 360 px."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.extensions import db

PRIVATE = "He is going through a divorce"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _connect(me: Attendee, other: Attendee, note: str = "", **values) -> Connection:
    record_scan(me, other.badge_token, str(uuid.uuid4()))
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=me.id, contact_id=other.id)).scalar_one()
    mine.note = note
    for key, value in values.items():
        setattr(mine, key, value)
    db.session.commit()
    return mine


@pytest.fixture
def eight(make_event, make_attendee):
    """Mia met 8 people: 4 with notes (one holding a private sentence), 4 without."""
    now = utcnow()
    event = make_event(slug="rail", name="Rail Data Summit", starts=now - timedelta(days=2),
                       ends=now - timedelta(days=1))
    event.scan_closes_at = now + timedelta(hours=1)
    db.session.commit()
    me = make_attendee(event, "mia@example.org", "Mia Møller", can_help_with="Hiring, Python",
                       looking_for="Funding, design systems")
    share = ["headline", "company", "email", "topics", "linkedin"]
    people = {}
    specs = [
        ("amara", "Amara Okafor", "Head of Data", "Lumen Transit", {"looking_for": "hiring"},
         f"Works on: live dashboards for the city's buses\nI promised: send the slides on offline sync\n{PRIVATE}.",
         dict(intent="send", starred=True, tags=["data"])),
        ("jonas", "Jonas Weber", "Engineering manager", "Brightline Rail", {"looking_for": "a mentor"},
         "Needs: a mentor for two new team leads\nIn town again in June", dict(intent="coffee")),
        ("mei", "Mei Tanaka", "Founder", "Kumo Robotics", {"can_help_with": "Funding, hardware"},
         "I can offer: feedback on the pitch deck\nTired, flight at six", dict(intent="introduce")),
        ("priya", "Priya Raman", "Developer advocate", "Open Maps Collective", {},
         "Great talk on accessibility testing; wants our screen reader checklist", {}),
        ("lucas", "Lucas Moreau", "Product designer", "Atelier Nord", {}, "", {}),
        ("kwame", "Kwame Mensah", "Angel investor", "", {"can_help_with": "Funding"}, "", {}),
        ("sofia", "Sofia Lindgren", "UX researcher", "Nordlys Studio", {}, "", {}),
        ("zoe", "Zoë Ångström", "Researcher", "Kiruna Labs", {}, "", {}),
    ]
    for key, name, headline, company, topics, note, values in specs:
        person = make_attendee(event, f"{key}@example.org", name, headline=headline, company=company,
                               shared_fields=share, **topics)
        people[key] = person
        _connect(me, person, note, **values)
    return {"event": event, "me": me, **people}


def _digest_html(me):
    from eventnet.digests.build import build_digest, render

    return render(build_digest(db.session.get(Attendee, me.id)))


@pytest.mark.browser
def test_the_digest_of_eight_contacts_at_360_px(app, eight, browser):
    """Rendered at 360 px in Chromium: its height and size, written to test-artifacts, and a screenshot."""
    from conftest import screenshot

    text, html = _digest_html(eight["me"])
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_content(html)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "digest-email")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "digest-email-dark")
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "digest-height.txt").write_text(f"height={height} html_bytes={len(html.encode())}\n")
    print(f"digest of 8 at 360 px: {height} px tall, {len(html.encode())} bytes of HTML")
