"""A real browser on a phone-sized screen uploads a CSV, sees the preview, imports, sees the report."""
from pathlib import Path

import pytest

from eventnet.attendees.models import Attendee
from eventnet.extensions import db
from tests.conftest import guard_offsite, screenshot

CSV = (
    "Email,Name,Company,Job title\n"
    "ada@example.org,Ada Nwosu,Northwind,CTO\n"
    "kenji@example.org,Kenji Watanabe,Kumo Labs,\n"
    "not-an-email,Broken Row,,\n"
    "zoe@example.org,Zoë Ångström,Ünïcode GmbH,Chief Ümlaut\n"
)


@pytest.mark.browser
def test_phone_uploads_previews_imports_and_reads_the_report(live_server, phone, make_event, make_attendee, tmp_path):
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link

    event = make_event(slug="up")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    with live_server.app.app_context():  # the link is made on the served app's BASE_URL
        link = create_login_link(db.session.merge(organizer), "/e/up/organizer/import")
        db.session.commit()
    path = tmp_path / "attendees.csv"
    path.write_text(CSV, encoding="utf-8")

    page = phone
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Import attendees from a CSV file")).to_be_visible()

    page.get_by_label("CSV file (at most 20 MB)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview of attendees.csv")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("3")  # column D, detected
    expect(page.locator("[data-preview-counts]")).to_contain_text("4 rows: 3 can be imported, 1 will be rejected")
    expect(page.locator(".preview-table tbody tr")).to_have_count(4)
    expect(page.locator(".preview-table")).to_contain_text("Zoë Ångström")
    assert db.session.execute(db.select(db.func.count(Attendee.id))).scalar_one() == 1  # nothing saved yet

    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_role("heading", name="Import of attendees.csv")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator('table[data-outcome="rejected"]')).to_contain_text("not-an-email")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (CSV)").click()
    report = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "rejected" in report and "zoe@example.org" in report
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    db.session.expire_all()
    emails = set(db.session.execute(db.select(Attendee.email_key).filter_by(event_id=event.id)).scalars())
    assert emails == {"maren@example.org", "ada@example.org", "kenji@example.org", "zoe@example.org"}

    # A file whose character set cannot be told: the message, on the same page, tied to the file input.
    bad = tmp_path / "greek.csv"
    bad.write_bytes("email,name\np@example.org,Γιώργος Παπαδόπουλος\n".encode("cp1253"))
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV file (at most 20 MB)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Save it as CSV UTF-8")
    expect(page.get_by_label("CSV file (at most 20 MB)")).to_have_attribute("aria-invalid", "true")


PRETIX = Path(__file__).parent / "files" / "samples" / "pretix-order-positions.csv"


@pytest.mark.browser
@pytest.mark.parametrize("size", [(360, 740), (1280, 800)], ids=["phone", "desktop"])
def test_the_organizer_changes_a_detected_column_before_importing(live_server, browser, make_event, make_attendee,
                                                                  size):
    """pretix's export: the attendee's columns are detected, the organizer swaps the company column for the
    invoice one with a select, the preview follows at once (htmx), and the import uses what was shown."""
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link

    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    guard_offsite(page)
    page.set_default_timeout(10_000)
    event = make_event(slug="map")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    with live_server.app.app_context():
        link = create_login_link(db.session.merge(organizer), "/e/map/organizer/import")
        db.session.commit()
    try:
        page.goto(link.url)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("CSV file (at most 20 MB)").set_input_files(str(PRETIX))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.get_by_role("heading", name="Preview of pretix-order-positions.csv")).to_be_visible()
        email = page.get_by_label("Email")
        expect(email.locator("option:checked")).to_have_text("S: Attendee email (e.g. amara.nwosu@example.org)")
        expect(page.locator("#map-email-notes")).to_contain_text("the attendee's own; not used: “Email” (column E)")
        expect(page.get_by_label("Title (Dr., Prof.)").locator("option:checked")).to_contain_text("Attendee name: Title")
        expect(page.locator(".preview-table")).to_contain_text("Title Dr. · Given Amara · Family Nwosu")
        screenshot(page, f"import-preview-mapping-{width}")

        company = page.get_by_label("Company")
        company.focus()  # as a keyboard or a tap leaves it: htmx keeps the focus on it across the swap
        company.select_option(label="AI: Company (e.g. Initech GmbH)")
        expect(page.locator(".preview-table")).to_contain_text("Initech GmbH")  # swapped in place by htmx
        expect(page.locator('[data-field="company"] select')).to_be_focused()
        assert "map-company=34" in page.url  # the URL keeps the mapping (reload, back button)
        screenshot(page, f"import-preview-mapping-changed-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.get_by_role("button", name="Import 2 rows").click()
        expect(page.get_by_role("heading", name="Import of pretix-order-positions.csv")).to_be_visible()
        expect(page.locator('[data-field="company"]')).to_contain_text("“Company” (column AI) chosen by hand")
        screenshot(page, f"import-report-mapping-{width}")
    finally:
        context.close()
    assert page.offsite_requests == []
    db.session.expire_all()
    companies = set(db.session.execute(db.select(Attendee.company).filter_by(event_id=event.id, role="attendee")).scalars())
    assert companies == {"Initech GmbH"}
