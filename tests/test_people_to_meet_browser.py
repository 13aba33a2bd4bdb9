"""People to meet in a phone's browser: "Not for me" swaps the section in place (focus on its
heading, the next suggestion in its place) and, without JavaScript, posts and comes back."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eventnet.meet import services as meet
from tests.conftest import screenshot
from tests.test_phone_moment_browser import log_in

pytestmark = pytest.mark.browser

TOPICS = ["headline", "company", "email", "topics"]


@pytest.fixture
def hall(make_event, make_attendee):
    event = make_event(slug="hall", name="Rail Data Summit")
    mia = make_attendee(event, "mia@example.org", "Mia Møller", can_help_with="Data engineering, Python",
                        looking_for="hiring", shared_fields=TOPICS)
    people = [make_attendee(event, f"p{i}@example.org", name, headline="Head of data", looking_for=asks,
                            shared_fields=TOPICS)
              for i, (name, asks) in enumerate((("Priya Raman", "data engineering"), ("Olu Ade", "python"),
                                                ("Hugo Hire", "python, data engineering"), ("Ines Ito", "Python")))]
    for person in people:
        meet.set_open(person, True)
    return event, mia, people


def test_not_for_me_swaps_in_the_next_suggestion_and_focuses_the_heading(hall, live_server, open_page):
    event, mia, people = hall
    page = open_page()
    log_in(page, mia)
    section = page.locator("#meet")
    shown = section.locator("[data-suggested]")
    assert shown.count() == 3
    first = shown.first.get_attribute("data-suggested")
    name = section.locator(".meet-name strong").first.inner_text()
    section.scroll_into_view_if_needed()
    screenshot(page, "meet-home-360", full_page=False)
    page.get_by_role("button", name=re.compile(f"^Not for me\\W+{name}$")).click()
    page.locator(f'#meet [data-suggested="{first}"]').wait_for(state="detached")
    assert page.locator("#meet [data-suggested]").count() == 3  # the fourth person took the place
    expect(page.locator("#meet-h")).to_be_focused()
    assert page.url.endswith("/e/hall/")  # swapped in place, no reload


def test_without_javascript_not_for_me_posts_and_comes_back(hall, live_server, open_page):
    event, mia, people = hall
    page = open_page(javascript=False)
    log_in(page, mia)
    first = page.locator("#meet [data-suggested]").first.get_attribute("data-suggested")
    name = page.locator("#meet .meet-name strong").first.inner_text()
    page.get_by_role("button", name=re.compile(f"^Not for me\\W+{name}$")).click()
    page.wait_for_url(re.compile(r"/e/hall/#meet-h$"))
    assert page.get_by_text("you will not be suggested this person again").is_visible()
    assert page.locator(f'#meet [data-suggested="{first}"]').count() == 0
    page.get_by_role("button", name="Suggest me to people").click()
    page.wait_for_url(re.compile(r"/e/hall/#meet-h$"))
    assert page.get_by_role("button", name="Stop suggesting me").is_visible()
