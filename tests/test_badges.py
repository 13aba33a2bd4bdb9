"""Badges: tokens, public cards and who sees what, QR images (stored once, cached), own QR page."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import qrcode
from conftest import BASE_URL, csrf_token, screenshot
from PIL import Image
from playwright.sync_api import expect
from qrcode.constants import ERROR_CORRECT_M

from eventnet.attendees.cards import public_card
from eventnet.badges.models import BadgeImage, RevokedBadge
from eventnet.badges.services import BadgeError, badge_url, find_by_short_code, find_by_token, reissue_badge
from eventnet.badges.tokens import SHORT_CODE_ALPHABET
from eventnet.extensions import db

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def event(make_event):
    return make_event(slug="conf", name="Conf 2026")


@pytest.fixture
def zoe(event, make_attendee):
    return make_attendee(
        event, "zoe@example.org", "Zoë Ångström", company="Acme", headline="CTO", phone="+49 30 1234567",
        bio="Builds things.", linkedin="https://linkedin.com/in/zoe", website="", can_help_with="Python, data  eng",
        looking_for="", links=[{"label": "Blog", "url": "https://blog.example.org"}],
    )


# ----------------------------------------------------------------------------- public_card


def test_public_card_default_sharing_hides_phone_and_empty_fields(zoe):
    assert public_card(zoe) == {
        "name": "Zoë Ångström",
        "headline": "CTO",
        "company": "Acme",
        "bio": "Builds things.",
        "email": "zoe@example.org",
        "linkedin": "https://linkedin.com/in/zoe",
        "links": [{"label": "Blog", "url": "https://blog.example.org"}],
        "can_help_with": ["Python", "data eng"],
    }


def test_public_card_follows_each_sharing_choice(zoe):
    zoe.shared_fields = ["phone", "topics", "not-a-field"]
    assert public_card(zoe) == {"name": "Zoë Ångström", "phone": "+49 30 1234567", "can_help_with": ["Python", "data eng"]}
    zoe.shared_fields = []
    assert public_card(zoe) == {"name": "Zoë Ångström"}
    zoe.shared_fields = ["links"]
    zoe.links = [{"label": "", "url": "https://x.example.org"}, {"label": "no url"}, "junk"]
    assert public_card(zoe)["links"] == [{"label": "https://x.example.org", "url": "https://x.example.org"}]


# ----------------------------------------------------------------------------- tokens and services


def test_tokens_are_long_random_url_safe_and_unrelated_to_the_person(event, make_attendee):
    people = [make_attendee(event) for _ in range(30)]
    tokens = [p.badge_token for p in people]
    assert len(set(tokens)) == 30
    for person in people:
        token = person.badge_token
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)  # 24 random bytes = 192 bits
        assert str(person.id) not in token.split("-") and person.email_key.split("@")[0] not in token
        assert set(person.short_code) <= set(SHORT_CODE_ALPHABET) and len(person.short_code) == 7
    assert len({p.short_code for p in people}) == 30


def test_find_by_token_and_its_error_codes(zoe):
    assert find_by_token(zoe.badge_token).id == zoe.id
    for bad in ("nope", "", "x" * 65, zoe.badge_token.upper() if zoe.badge_token != zoe.badge_token.upper() else "Q"):
        with pytest.raises(BadgeError) as caught:
            find_by_token(bad)
        assert caught.value.code == "unknown_badge"
    old = zoe.badge_token
    reissue_badge(zoe)
    with pytest.raises(BadgeError) as caught:
        find_by_token(old)
    assert caught.value.code == "revoked_badge"


def test_short_code_lookup_forgives_case_spaces_and_dashes(event, zoe, make_event, make_attendee):
    code = zoe.short_code
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert find_by_short_code(event, typed).id == zoe.id
    assert find_by_short_code(event, "") is None and find_by_short_code(event, "ZZZZZZZ") is None
    assert find_by_short_code(make_event(), code) is None  # codes belong to one event


def test_badge_url_comes_from_config_not_the_request(client, zoe):
    url = f"{BASE_URL}/b/{zoe.badge_token}"
    assert badge_url(zoe) == url
    # The first request renders the QR: a forged Host header must not end up in a printed badge.
    png = client.get(f"/b/{zoe.badge_token}/qr.png", headers={"Host": "evil.example"})
    matrix = expected_matrix(url)
    assert png_modules(png.data, len(matrix)) == matrix


def test_reissue_replaces_token_code_and_image(client, zoe):
    old_token, old_code = zoe.badge_token, zoe.short_code
    assert client.get(f"/b/{old_token}/qr.svg").status_code == 200
    new_token = reissue_badge(zoe)
    assert new_token == zoe.badge_token != old_token and zoe.short_code != old_code
    assert db.session.get(RevokedBadge, old_token).attendee_id == zoe.id
    assert db.session.get(BadgeImage, old_token) is None

    gone = client.get(f"/b/{old_token}")
    assert gone.status_code == 410 and "This badge was replaced" in gone.get_data(as_text=True)
    assert client.get(f"/b/{old_token}/qr.svg").status_code == 404
    assert client.get(f"/b/{old_token}/qr.png").status_code == 404
    assert client.get(f"/b/{new_token}").status_code == 200
    assert client.get(f"/b/{new_token}/qr.svg").status_code == 200


# ----------------------------------------------------------------------------- the public card page


def test_unknown_badge_is_a_clear_404(client, zoe):
    for token in ("no-such-badge", "x" * 200):
        response = client.get(f"/b/{token}")
        assert response.status_code == 404
        assert "This badge is not known" in response.get_data(as_text=True)
    # A NUL character is refused before any lookup, as everywhere (eventnet.guards).
    response = client.get("/b/%00")
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_anonymous_visitor_sees_shared_fields_save_contact_and_login(client, zoe):
    response = client.get(f"/b/{zoe.badge_token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Zoë Ångström</h1>" in page
    assert "<dd>CTO</dd>" in page and "Builds things." in page and "Python, data eng" in page
    assert '<a href="mailto:zoe@example.org">' in page
    assert '<a href="https://linkedin.com/in/zoe" rel="noopener noreferrer nofollow">linkedin.com/in/zoe</a>' in page
    assert '<a href="https://blog.example.org" rel="noopener noreferrer nofollow">Blog</a>' in page
    assert "1234567" not in page  # phone is not shared by default
    assert "target=" not in page
    assert f'href="/b/{zoe.badge_token}/contact.vcf">Save contact</a>' in page
    assert "Attending Conf 2026?" in page
    assert f'href="/e/conf/login?next=/b/{zoe.badge_token}">Log in to exchange cards</a>' in page
    assert "noindex" in page and response.headers["Cache-Control"] == "private, no-cache"


def test_sharing_saved_in_the_profile_changes_the_card(client, login, zoe):
    login(client, zoe)
    token = csrf_token(client, "/e/conf/profile")
    form = {"csrf_token": token, "name": "Zoë Ångström", "headline": "CTO", "company": "Acme", "phone": "+49 30 1234567",
            "linkedin": "https://linkedin.com/in/zoe", "share": ["phone", "company"]}
    assert client.post("/e/conf/profile", data=form).status_code == 303
    anonymous = client.application.test_client()
    page = anonymous.get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert '<a href="tel:+49301234567">+49 30 1234567</a>' in page and "<dd>Acme</dd>" in page
    for hidden in ("CTO", "zoe@example.org", "linkedin.com/in/zoe", "Builds things.", "Python"):
        assert hidden not in page
    vcf = anonymous.get(f"/b/{zoe.badge_token}/contact.vcf").get_data(as_text=True)
    assert "TEL;TYPE=VOICE:+49 30 1234567\r\n" in vcf and "EMAIL" not in vcf and "TITLE" not in vcf


def test_owner_sees_their_card_as_others_do(client, login, zoe):
    login(client, zoe)
    page = client.get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert "This is your card as others see it" in page
    assert 'href="/e/conf/profile">Change what you share</a>' in page
    assert "1234567" not in page  # the owner sees the public view, not their private fields
    assert "Log in to exchange cards" not in page and "You are logged in as" not in page


def test_attendee_of_the_same_event_gets_the_viewer_actions(client, login, event, zoe, make_attendee):
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    login(client, bob)
    page = client.get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert "You are logged in as Bob Baker." in page
    assert "You and Zoë Ångström" in page
    assert "Log in to exchange cards" not in page and "This is your card" not in page
    assert "Save contact" in page


def test_attendee_of_another_event_is_told_and_treated_as_a_visitor(client, login, zoe, make_event, make_attendee):
    stranger = make_attendee(make_event(name="Other Fest"), "s@example.org", "Sam Stranger")
    login(client, stranger)
    page = client.get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert "This badge belongs to another event, Conf 2026" in page and "logged in for Other Fest" in page
    assert "Log in to exchange cards" in page
    assert "You are logged in as" not in page


def test_viewing_a_badge_changes_nothing(client, zoe):
    before = (zoe.badge_token, zoe.short_code, zoe.updated_at)
    for path in ("", "/contact.vcf"):
        assert client.get(f"/b/{zoe.badge_token}{path}").status_code == 200
    db.session.expire_all()
    assert (zoe.badge_token, zoe.short_code, zoe.updated_at) == before
    assert db.session.execute(db.select(BadgeImage)).scalars().all() == []
    assert client.post(f"/b/{zoe.badge_token}").status_code in (400, 405)


# ----------------------------------------------------------------------------- QR images


def expected_matrix(url: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def png_modules(png: bytes, size: int) -> list[list[bool]]:
    """Sample the centre of every module of the PNG: dark is True."""
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] == image.size[1] and image.size[0] % size == 0
    box = image.size[0] // size
    return [[image.getpixel((c * box + box // 2, r * box + box // 2)) < 128 for c in range(size)] for r in range(size)]


def svg_modules(svg: str, size: int) -> list[list[bool]]:
    """The modules drawn by the SVG's single path (one 'Mx,yH..V..H..z' square per module)."""
    paths = re.findall(r'<path\b[^>]*?\sd="([^"]+)"', svg)
    assert len(paths) == 1
    grid = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+),(\d+)H", paths[0]):
        grid[int(y)][int(x)] = True
    return grid


def test_qr_holds_the_absolute_badge_url(client, zoe):
    url = f"{BASE_URL}/b/{zoe.badge_token}"
    matrix = expected_matrix(url)
    png = client.get(f"/b/{zoe.badge_token}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png_modules(png.data, len(matrix)) == matrix
    assert Image.open(io.BytesIO(png.data)).size[0] == len(matrix) * 10
    svg = client.get(f"/b/{zoe.badge_token}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in text and 'fill="#ffffff"' in text
    assert svg_modules(text, len(matrix)) == matrix
    # The quiet zone is four modules wide on every side.
    assert not any(matrix[3]) and not any(row[3] for row in matrix) and matrix[4][4]


def test_qr_images_are_cached_for_a_year_and_revalidate(client, login, zoe):
    login(client, zoe)  # a logged-in request must not put the session cookie into a public response
    for kind in ("svg", "png"):
        first = client.get(f"/b/{zoe.badge_token}/qr.{kind}")
        assert first.headers["Cache-Control"] == IMMUTABLE
        assert "Set-Cookie" not in first.headers
        etag = first.headers["ETag"]
        assert etag.startswith('"') and len(etag) > 10
        again = client.get(f"/b/{zoe.badge_token}/qr.{kind}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""


def test_qr_is_rendered_once_and_then_served_from_the_database(client, zoe):
    assert client.get(f"/b/{zoe.badge_token}/qr.svg").status_code == 200
    rows = db.session.execute(db.select(BadgeImage)).scalars().all()
    assert [row.badge_token for row in rows] == [zoe.badge_token]
    stored = rows[0]
    stored.svg = "<svg xmlns='http://www.w3.org/2000/svg'><!-- stored --></svg>"
    db.session.commit()
    assert client.get(f"/b/{zoe.badge_token}/qr.svg").get_data(as_text=True) == stored.svg
    assert client.get(f"/b/{zoe.badge_token}/qr.png").data == stored.png
    assert db.session.execute(db.select(db.func.count()).select_from(BadgeImage)).scalar_one() == 1


def test_qr_of_unknown_badge_is_404(client):
    assert client.get("/b/nobody/qr.svg").status_code == 404
    assert client.get("/b/nobody/qr.png").status_code == 404


# ----------------------------------------------------------------------------- my QR


def test_my_qr_page_shows_qr_name_code_and_url(client, login, zoe):
    login(client, zoe)
    page = client.get("/e/conf/me/qr").get_data(as_text=True)
    # The QR is inside the page (a data: URL), so the page the service worker keeps shows it offline.
    assert '<img class="qr" src="data:image/svg+xml;base64,' in page
    assert '<h1 id="my-qr-h" class="qr-name">Zoë Ångström</h1>' in page
    assert f'<span class="short-code">{zoe.short_code}</span>' in page
    assert f"{BASE_URL}/b/{zoe.badge_token}" in page
    assert f'href="/b/{zoe.badge_token}/qr.png" download="badge-{zoe.short_code}.png">Download PNG</a>' in page


def test_my_qr_needs_a_login_for_this_event(client, login, zoe, make_event, make_attendee):
    response = client.get("/e/conf/me/qr")
    assert response.status_code == 303 and response.headers["Location"].startswith("/e/conf/login")
    login(client, make_attendee(make_event(slug="elsewhere")))
    assert client.get("/e/conf/me/qr").status_code == 303
    assert client.get("/e/nope/me/qr").status_code == 404


@pytest.mark.browser
def test_my_qr_fits_a_phone_screen_and_decodes_to_the_badge_url(live_server, phone, make_event, make_attendee):
    from eventnet.auth.services import create_login_link

    event = make_event(slug="conf")
    zoe = make_attendee(event, "zoe@example.org", "Zoë Ångström")
    link = create_login_link(zoe, "/e/conf/me/qr")
    db.session.commit()
    parts = urlsplit(link.url)
    page = phone
    page.goto(f"{live_server.url}{parts.path}?{parts.query}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Zoë Ångström")).to_be_visible()

    qr = page.get_by_role("img", name="QR code of your badge")
    expect(qr).to_be_visible()
    page.wait_for_function("() => { const img = document.querySelector('img.qr'); return img.complete && img.naturalWidth > 0; }")
    box = qr.bounding_box()
    assert box["width"] >= 280 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    for element in (qr, page.get_by_text(zoe.short_code), page.get_by_role("link", name="Download PNG")):
        element_box = element.bounding_box()
        assert element_box["y"] + element_box["height"] <= 740 - 64, "hidden behind the tab bar or below the fold"
    assert page.evaluate("document.documentElement.scrollHeight") <= 740
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "my-qr-360")

    # Decode the QR as shown, with the vendored ZXing decoder (independent of the encoder).
    vendor = "/static/vendor/barcode-detector/3.2.2/"
    page.add_script_tag(url=vendor + "barcode-detector-ponyfill.js")
    decoded = page.evaluate(
        """async (vendor) => {
            const api = window.BarcodeDetectionAPI;
            api.prepareZXingModule({overrides: {locateFile: (path) => vendor + path}, fireImmediately: true});
            const detector = new api.BarcodeDetector({formats: ["qr_code"]});
            const codes = await detector.detect(document.querySelector("img.qr"));
            return codes.map((code) => code.rawValue);
        }""",
        vendor,
    )
    assert decoded == [f"{live_server.url}/b/{zoe.badge_token}"]


def test_a_badge_page_reads_the_viewer_then_the_owner_with_their_connection(app, client, login, event, zoe,
                                                                                make_attendee):
    # Every camera-app scan opens this page: one query for a visitor (the owner and the event,
    # joined), and for an attendee of the event one for their session and one for the owner with
    # their connection to the owner (each query is a round trip to PostgreSQL).
    from sqlalchemy import event as sa_event

    import uuid

    from eventnet.connections.services import record_scan
    from eventnet.extensions import db

    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    token, bob_id = zoe.badge_token, bob.id  # read before counting (the test's objects may refresh)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM" in statement.split() or not statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)  # not the pool's liveness check (SELECT 1)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/b/{token}").status_code == 200
        assert len(statements) == 1, "\n\n".join(statements)
        login(client, bob)
        for connected in (False, True):
            statements.clear()
            page = client.get(f"/b/{token}").get_data(as_text=True)
            assert ("Already connected." in page) is connected
            assert len(statements) == 2, statements
            if not connected:
                with app.app_context():
                    record_scan(db.session.get(type(bob), bob_id), token, str(uuid.uuid4()))
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
