"""Editing a profile: validation tied to fields, nothing typed is lost, sharing per field, htmx."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import vobject
from conftest import csrf_token, screenshot
from markupsafe import escape
from playwright.sync_api import expect

from eventnet.attendees.models import Attendee
from eventnet.attendees.forms import ECHO_MAX, ProfileForm, normalise_topics
from eventnet.attendees.links import normalise_url
from eventnet.extensions import db
from eventnet.forms import errors_of

URL = "/e/conf/profile"


@pytest.fixture
def me(make_event, make_attendee):
    event = make_event(slug="conf")
    return make_attendee(event, "zoe@example.org", "Zoë Ångström", company="Acme", headline="Engineer",
                         phone="+49 30 1234567")


def post(client, data: dict, **headers):
    form = {"csrf_token": csrf_token(client, URL), "name": "Zoë Ångström", **data}
    return client.post(URL, data=form, headers=headers)


def reload(attendee: Attendee) -> Attendee:
    db.session.expire_all()
    return db.session.get(Attendee, attendee.id)


def field_tag(page: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


def test_profile_form_shows_values_and_a_share_box_per_field(client, login, me):
    login(client, me)
    page = client.get(URL).get_data(as_text=True)
    assert 'value="Zoë Ångström"' in field_tag(page, "name")
    for field in ("headline", "company", "bio", "email", "phone", "linkedin", "website", "links", "topics"):
        assert f'name="share" value="{field}"' in page
    assert re.search(r'name="share" value="phone">', page), "phone must not be shared by default"
    assert re.search(r'name="share" value="email" checked>', page)
    # The login email is shown, read-only, and is not a form field.
    assert re.search(r'<input type="email" id="p-email" value="zoe@example.org" readonly', page)
    assert 'name="email"' not in page
    assert 'hx-post="/e/conf/profile"' in page
    for label in ("Name", "Headline", "Short bio", "LinkedIn", "I can help with", "I&#39;m looking for"):
        assert f">{label}</label>" in page


def test_the_form_shows_what_is_saved_extra_links_and_shares_included(client, login, me):
    me.links = ["not a link", {"label": "Blog", "url": "https://blog.example.org/"}, {"url": "https://b.example.org/"}]
    me.shared_fields = ["links", "phone"]
    db.session.commit()
    login(client, me)
    page = client.get(URL).get_data(as_text=True)
    assert 'value="Blog"' in field_tag(page, "link1_label")
    assert 'value="https://blog.example.org/"' in field_tag(page, "link1_url")
    assert 'value=""' in field_tag(page, "link2_label") and 'value="https://b.example.org/"' in field_tag(page, "link2_url")
    assert 'value=""' in field_tag(page, "link3_url") and '<details class="more-links" open>' in page
    assert re.search(r'name="share" value="phone" checked>', page) and re.search(r'name="share" value="company">', page)
    assert "aria-invalid" not in page and "profile-errors" not in page


def test_valid_profile_is_saved_normalised_and_redirects(client, login, me):
    login(client, me)
    response = post(client, {
        "name": "  Zoë   Ångström ",
        "headline": "Staff  data engineer",
        "company": "Acme GmbH",
        "bio": "I build pipelines.\r\n\r\n\r\n\r\nAnd I like trains.  ",
        "phone": "+49 (30) 123-4567",
        "linkedin": "linkedin.com/in/zoe",
        "website": "http://zoe.example.org/",
        "link1_label": "", "link1_url": "github.com/zoe",
        "link2_label": "Talk slides", "link2_url": "https://slides.example.org/pycon",
        "link3_label": "", "link3_url": "",
        "can_help_with": " Python ,data   engineering,, python ",
        "looking_for": "hiring",
        "share": ["headline", "company", "phone", "linkedin", "links", "topics", "nonsense"],
        "email": "attacker@example.org",
    })
    assert response.status_code == 303
    assert response.headers["Location"] == URL
    assert "Profile saved" in client.get(URL).get_data(as_text=True)

    saved = reload(me)
    assert saved.name == "Zoë Ångström"
    assert saved.headline == "Staff data engineer"
    assert saved.bio == "I build pipelines.\n\nAnd I like trains."
    assert saved.phone == "+49 (30) 123-4567"
    assert saved.linkedin == "https://linkedin.com/in/zoe"
    assert saved.website == "http://zoe.example.org/"
    assert saved.links == [
        {"label": "github.com", "url": "https://github.com/zoe"},
        {"label": "Talk slides", "url": "https://slides.example.org/pycon"},
    ]
    assert saved.can_help_with == "Python, data engineering"
    assert saved.looking_for == "hiring"
    assert saved.shared_fields == ["company", "headline", "linkedin", "links", "phone", "topics"]
    assert saved.profile_updated_at is not None
    # The login email is the account's key and is not changed from the profile form.
    assert (saved.email, saved.email_key) == ("zoe@example.org", "zoe@example.org")


def test_invalid_profile_answers_422_and_keeps_every_value(client, login, me):
    login(client, me)
    typed = {
        "name": "",
        "headline": "My <b>new</b> headline & more",
        "company": "Acme \"Labs\"",
        "bio": "A bio I spent ten minutes on.\nSecond line.",
        "phone": "call me maybe",
        "linkedin": "example.org/in/zoe",
        "website": "javascript:alert(1)",
        "link1_label": "Blog", "link1_url": "",
        "link2_label": "", "link2_url": "ftp://files.example.org",
        "can_help_with": "Python, SQL",
        "looking_for": "x" * 501,
        "share": ["phone", "bio"],
    }
    response = post(client, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Your profile was not saved" in page
    for name in ("headline", "company", "phone", "linkedin", "website", "link1_label", "link2_url", "can_help_with",
                 "looking_for"):
        assert f'value="{escape(typed[name])}"' in field_tag(page, name), name
    assert ">A bio I spent ten minutes on.\nSecond line.</textarea>" in page
    assert re.search(r'name="share" value="phone" checked>', page)
    assert re.search(r'name="share" value="headline">', page)  # unticked stays unticked

    expected = {
        "name": "Enter your name",
        "phone": "only digits, spaces",
        "linkedin": "enter your linkedin.com address",
        "website": "Only web addresses starting with http:// or https://",
        "link1_url": "Add the address of this link",
        "link2_url": "Only web addresses starting with http:// or https://",
        "looking_for": "I&#39;m looking for is at most 500 characters (501 now)",
    }
    for name, message in expected.items():
        tag = field_tag(page, name)
        assert 'aria-invalid="true"' in tag, name
        assert re.search(rf'aria-describedby="[^"]*\bp-{name}-error\b', tag), name
        assert re.search(rf'<p class="field-error" id="p-{name}-error">[^<]*{re.escape(message)}', page), name
    assert 'aria-invalid="true"' not in field_tag(page, "company")

    saved = reload(me)
    assert (saved.name, saved.headline, saved.phone) == ("Zoë Ångström", "Engineer", "+49 30 1234567")
    assert saved.profile_updated_at is None


@pytest.mark.parametrize("field, value, message", [
    ("name", "N" * 121, "Name is at most 120 characters (121 now)"),
    ("headline", "h" * 161, "Headline is at most 160 characters"),
    ("company", "c" * 121, "Company is at most 120 characters"),
    ("bio", "b" * 1001, "Short bio is at most 1000 characters"),
    ("can_help_with", "t" * 61, "Each topic is at most 60 characters"),
    ("link3_label", "l" * 41, "A link&#39;s label is at most 40 characters"),
    ("website", "https://example.org/" + "p" * 290, "Website is at most 300 characters"),
    ("website", "not a url", "A web address has no spaces"),
    ("website", "https://", "Enter a complete web address"),
    ("website", "localhost/x", "Enter a complete web address"),
    ("website", "mailto:zoe@example.org", "Only web addresses starting with http:// or https://"),
    ("linkedin", "https://linkedin.com.evil.example/in/zoe", "enter your linkedin.com address"),
    ("phone", "12345", "6 to 20 digits (5 now)"),
    ("phone", "1" * 41, "Phone is at most 40 characters (41 now)"),
    ("looking_for", "ok, " + "t" * 61, "Each topic is at most 60 characters"),
    ("link2_url", "https://example.org/" + "p" * 281, "Link 2 is at most 300 characters (301 now)"),
    ("phone", "+" + "1" * 21, "6 to 20 digits (21 now)"),
    ("phone", "030 1234567 ext 2", "only digits, spaces"),
    ("phone", "030+1234567", "only digits, spaces"),
])
def test_each_rule_has_a_clear_message_on_its_field(client, login, me, field, value, message):
    login(client, me)
    response = post(client, {field: value, "link3_url": "https://example.org" if field == "link3_label" else ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<p class="field-error" id="p-{field}-error">[^<]*{re.escape(message)}', page)
    assert 'aria-invalid="true"' in field_tag(page, field)


# Addresses where a browser reads another site than Python does (the first is issue 9's: a
# browser takes "\\" for "/", so its host is evil.example, while urlsplit says www.linkedin.com).
TWO_FACED = [
    ("https://evil.example\\@www.linkedin.com/in/x", "no backslashes"),
    ("https://evil.example/\\@www.linkedin.com/in/x", "no backslashes"),
    ("https://www.linkedin.com@evil.example/in/x", "name or password before the site"),
    ("https://user:secret@www.linkedin.com/in/x", "name or password before the site"),
    ("www.linkedin.com%2eevil.example/in/x", "only letters, digits, dots and hyphens"),
    ("https://evil.example\uff0ewww.linkedin.com/in/x", "only letters, digits, dots and hyphens"),
    ("https://www.linked\u00adin.com/in/x", "only letters, digits, dots and hyphens"),
    ("https://www.linkedin.com:44x/in/x", "must be a number"),
]


@pytest.mark.parametrize("field", ["linkedin", "website", "link1_url"])
@pytest.mark.parametrize("value, message", TWO_FACED)
def test_an_address_a_browser_reads_as_another_site_is_refused(client, login, me, field, value, message):
    login(client, me)
    response = post(client, {field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<p class="field-error" id="p-{field}-error">[^<]*{re.escape(str(escape(message)))}', page)
    assert reload(me).linkedin == "" and reload(me).website == "" and not reload(me).links


def test_stored_addresses_a_browser_reads_as_another_site_are_never_links(client, make_attendee, me):
    """Saved before the rule: shown nowhere as a link, and never as "LinkedIn"."""
    from eventnet.attendees.cards import public_card
    from eventnet.badges.vcard import vcard_for
    from eventnet.digests.build import card_links, safe_url

    me.linkedin = "https://evil.example\\@www.linkedin.com/in/x"
    me.website = "https://www.example.org@evil.example/"
    me.links = [{"label": "My LinkedIn", "url": "https://evil.example\\@www.linkedin.com/in/y"},
                {"label": "Blog", "url": "https://blog.example.org/"}]
    me.shared_fields = ["linkedin", "website", "links"]
    db.session.commit()
    card = public_card(me)
    assert "linkedin" not in card and "website" not in card
    assert card["links"] == [{"label": "Blog", "url": "https://blog.example.org/"}]
    page = client.get(f"/b/{me.badge_token}").get_data(as_text=True)
    assert "evil.example" not in page and ">LinkedIn<" not in page and "https://blog.example.org/" in page
    vcf = client.get(f"/b/{me.badge_token}/contact.vcf").get_data(as_text=True)
    assert "evil.example" not in vcf and "URL:https://blog.example.org/" in vcf
    assert "evil.example" not in vcard_for(card)
    # The digest's own check, for a card that did not come through public_card.
    assert safe_url("https://evil.example\\@www.linkedin.com/in/x") is None
    assert safe_url("https://a@evil.example/") is None and safe_url("javascript:alert(1)") is None
    assert card_links({"linkedin": me.linkedin, "website": me.website}) == []
    assert safe_url("https://www.linkedin.com/in/o'brien") == "https://www.linkedin.com/in/o'brien"


def test_stored_two_faced_addresses_stay_out_of_a_contact_export(client, login, make_attendee, me):
    from eventnet.connections.services import record_scan

    me.linkedin, me.website = "https://evil.example\\@www.linkedin.com/in/x", "https://a@evil.example/"
    me.shared_fields = ["linkedin", "website"]
    scanner = make_attendee(me.event, "yann@example.org", "Yann")
    record_scan(scanner, me.badge_token, "0b6f8f0e-1d7c-4a54-9e43-6d2f8a4c2b11", None)
    db.session.commit()
    login(client, scanner)
    for path in ("/e/conf/contacts/export.csv", "/e/conf/contacts/export.vcf", "/e/conf/contacts/export.json"):
        body = client.get(path).get_data(as_text=True)
        assert "Zo" in body and "evil.example" not in body, path


def test_control_characters_never_reach_the_database(client, login, me):
    login(client, me)
    names = ("name", "headline", "company", "bio", "phone", "can_help_with", "looking_for", "link1_label")
    response = post(client, {name: f"a\x07b\x1b{name}" for name in names} | {"phone": "", "link1_url": "example.org"})
    assert response.status_code == 303
    saved = reload(me)
    assert saved.name == "a b name" and saved.bio == "abbio"
    assert saved.links == [{"label": "a b link1_label", "url": "https://example.org"}]
    for name in ("website", "linkedin", "link2_url"):
        response = post(client, {name: "https://exa\x1bmple.org"})
        assert response.status_code == 422 and f'id="p-{name}-error"' in response.get_data(as_text=True)
    # A NUL character (PostgreSQL refuses it in any text) is refused before anything is read or saved.
    refused = post(client, {"name": "a\x00b"})
    assert refused.status_code == 400 and "NUL character" in refused.get_data(as_text=True)
    assert reload(me).name == "a b name"


def profile_form(app, posted: dict) -> ProfileForm:
    """The form as a POST of `posted` would fill it, validated (CSRF is the app's check, not this one's)."""
    with app.test_request_context(method="POST", data=posted):
        form = ProfileForm(meta={"csrf": False})
        form.validate()
        return form


def test_url_and_topic_normalisation(app):
    assert normalise_url("linkedin.com/in/x") == "https://linkedin.com/in/x"
    assert normalise_url("example.org:8080/a") == "https://example.org:8080/a"
    assert normalise_url("HTTP://Example.org") == "HTTP://Example.org"
    assert normalise_topics("  a ,b\n c,, A ,") == "a, b c"
    form = profile_form(app, {"name": "X", "linkedin": "www.linkedin.com/in/x/", "phone": "+1 (555) 010-0000",
                              "share": "phone"})
    data = form.profile_data()
    assert data.linkedin == "https://www.linkedin.com/in/x/" and data.phone == "+1 (555) 010-0000"
    assert data.shared_fields == ["phone"]
    assert set(errors_of(profile_form(app, {"name": " \n\t "}))) == {"name"}


def test_the_preview_draws_the_card_as_typed_without_what_saving_would_refuse(client, login, me):
    """Nothing is saved; a refused field (a bad phone, a link whose label is too long) is not on
    the card, a valid one is, labelled with its site when its label is empty."""
    login(client, me)
    token = csrf_token(client, URL)
    response = client.post(f"{URL}/preview", data={
        "csrf_token": token, "name": "Zoë Å.", "headline": "Typed  headline", "phone": "call me",
        "link1_label": "l" * 41, "link1_url": "example.org/long-label",
        "link2_label": "", "link2_url": "www.GitHub.com/zoe",
        "share": ["headline", "phone", "links"]}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    card = response.get_data(as_text=True)
    assert "<h2>Zoë Å.</h2>" in card and "<dd>Typed headline</dd>" in card
    assert "call me" not in card and "<dt>Phone</dt>" not in card
    assert '<a href="https://www.GitHub.com/zoe" rel="noopener noreferrer nofollow">github.com</a>' in card
    assert "long-label" not in card
    # A name it would refuse: the card keeps the saved one (a card without a name is no card).
    assert "<h2>Zoë Ångström</h2>" in client.post(f"{URL}/preview", data={"csrf_token": token, "name": "N" * 121}
                                                  ).get_data(as_text=True)
    assert reload(me).headline == "Engineer" and reload(me).profile_updated_at is None


def test_errors_are_listed_and_focused_in_page_order(client, login, me):
    login(client, me)
    response = post(client, {"looking_for": "x" * 501, "link2_url": "ftp://x.example.org", "phone": "x",
                             "given_name": "G" * 121, "website": "a b"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="card error" id="profile-errors">.*?</ul>', page, re.S).group(0)
    assert re.findall(r'href="#p-(\w+)"', summary) == ["given_name", "phone", "website", "link2_url", "looking_for"]
    assert "these 5:" in summary
    assert [name for name in ("given_name", "phone", "website", "link2_url", "looking_for")
            if " autofocus" in field_tag(page, name)] == ["given_name"]


def test_a_json_post_or_repeated_fields_answer_without_a_server_error(client, login, me):
    """The form reads only posted form fields: JSON (even a list) finds an empty form (422)."""
    login(client, me)
    token = csrf_token(client, URL)
    for body in ({"name": "From JSON", "share": ["phone"]}, ["name", "x"], "name"):
        response = client.post(URL, json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 422, body
        assert re.search(r'id="p-name-error">Enter your name', response.get_data(as_text=True))
        assert client.post(f"{URL}/preview", json=body, headers={"X-CSRFToken": token}).status_code == 200
    assert reload(me).name == "Zoë Ångström" and reload(me).profile_updated_at is None
    # A field sent twice: the first value counts, as in any HTML form.
    response = post(client, {"name": ["First", "Second"], "company": ["Acme", "Evil"], "share": ["company", "company"]})
    assert response.status_code == 303
    saved = reload(me)
    assert (saved.name, saved.company, saved.shared_fields) == ("First", "Acme", ["company"])


def test_a_field_typed_far_past_its_limit_is_not_echoed_back_whole(client, login, me):
    login(client, me)
    bio = "b" * 1001
    response = post(client, {"headline": "h" * 100_000, "bio": bio})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Headline is at most 160 characters (100000 now)." in page
    assert f'value="{"h" * ECHO_MAX}"' in field_tag(page, "headline")
    assert f">{bio}</textarea>" in page  # just over its limit: back whole, to be trimmed


def test_htmx_save_swaps_the_form_fragment(client, login, me):
    login(client, me)
    response = post(client, {"headline": "Founder", "share": ["headline"]}, **{"HX-Request": "true"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<form id=\"profile-form\"") and "<html" not in page
    assert re.search(r'<p class="save-status" role="status"[^>]*>Saved</p>', page)
    assert 'value="Founder"' in field_tag(page, "headline")
    assert reload(me).headline == "Founder"
    assert "HX-Request" in response.headers["Vary"]

    invalid = post(client, {"headline": "Still here", "phone": "x"}, **{"HX-Request": "true"})
    assert invalid.status_code == 422
    page = invalid.get_data(as_text=True)
    assert page.lstrip().startswith("<form id=\"profile-form\"")
    assert 'value="Still here"' in field_tag(page, "headline") and "p-phone-error" in page
    assert ">Saved<" not in page


def test_profile_needs_a_login_for_this_event(client, app, login, me, make_event, make_attendee):
    response = client.get(URL)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/e/conf/login?next=/e/conf/profile")

    stranger = make_attendee(make_event(slug="other"), "x@example.org", "Other Event Person")
    login(client, stranger)
    assert client.get(URL).status_code == 303
    token = csrf_token(client, "/e/other/profile")
    refused = client.post(URL, data={"csrf_token": token, "name": "Hijacked"})
    assert refused.status_code == 303 and "/e/conf/login" in refused.headers["Location"]
    assert reload(me).name == "Zoë Ångström"

    login(client, me)
    assert client.post(URL, data={"name": "No CSRF token"}).status_code == 400
    assert reload(me).name == "Zoë Ångström"


# ----------------------------------------------------------------------------- browser


def log_in(page, live_server, attendee, next_path=None):
    """Log in through the real magic link, opened on the live server."""
    from eventnet.auth.services import create_login_link

    link = create_login_link(attendee, next_path)
    db.session.commit()
    parts = urlsplit(link.url)
    page.goto(f"{live_server.url}{parts.path}?{parts.query}")
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
def test_profile_in_a_phone_browser_saves_in_place(live_server, phone, make_event, make_attendee):
    event = make_event(slug="conf")
    zoe = make_attendee(event, "zoe@example.org", "Zoë Ångström", phone="+49 30 1234567")
    page = phone
    log_in(page, live_server, zoe, "/e/conf/profile")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()

    page.get_by_label("Headline", exact=True).fill("Founder & CTO")
    page.get_by_role("switch", name="Share phone").check()
    page.get_by_label("LinkedIn", exact=True).fill("linkedin.com/in/zoe")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_label("LinkedIn", exact=True)).to_have_value("https://linkedin.com/in/zoe")

    # An error is shown in place, tied to its field, and nothing typed is lost.
    page.get_by_label("Phone", exact=True).fill("call me")
    page.get_by_label("Company", exact=True).fill("Kept Corp")
    page.get_by_role("button", name="Save profile").click()
    phone_input = page.get_by_label("Phone", exact=True)
    expect(phone_input).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("A phone number has only digits")).to_have_count(2)  # summary and field
    expect(phone_input).to_be_focused()
    expect(page.get_by_label("Company", exact=True)).to_have_value("Kept Corp")
    assert page.url.endswith("/e/conf/profile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    saved = reload(zoe)
    assert saved.headline == "Founder & CTO" and "phone" in saved.shared_fields
    assert saved.company != "Kept Corp"

    # The name parts say what they are for, and save like the rest.
    page.get_by_label("Phone", exact=True).fill("+49 30 1234567")
    page.get_by_text("How address books file you").click()
    page.get_by_label("Given name", exact=True).fill("Zoë")
    page.get_by_label("Family name", exact=True).fill("Ångström")
    expect(page.get_by_text("Phones, Outlook and Google Contacts file your card under these parts")).to_be_visible()
    page.get_by_text("How address books file you").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "profile-name-parts-phone", full_page=False)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert (reload(zoe).given_name, reload(zoe).family_name) == ("Zoë", "Ångström")


def test_name_parts_are_typed_as_given_and_never_guessed(client, login, me):
    """Given and family name, title and suffix are the attendee's own (address books' structured name)."""
    login(client, me)
    page = client.get(URL).get_data(as_text=True)
    assert '<details class="name-parts">' in page  # closed while empty
    assert "<summary>How address books file you: given and family name, title</summary>" in page
    for name in ("name_prefix", "given_name", "family_name", "name_suffix"):
        assert 'value=""' in field_tag(page, name)
    assert 'autocomplete="family-name"' in field_tag(page, "family_name")

    response = post(client, {"name": "Tomás Herrera Díaz", "name_prefix": " Dr. ", "given_name": "Tomás",
                             "family_name": "Herrera  Díaz", "name_suffix": ""})
    assert response.status_code == 303
    saved = reload(me)
    assert (saved.name, saved.name_prefix, saved.given_name, saved.family_name, saved.name_suffix) == (
        "Tomás Herrera Díaz", "Dr.", "Tomás", "Herrera Díaz", "")
    assert '<details class="name-parts" open>' in client.get(URL).get_data(as_text=True)
    # What the parts are for: the vCard anyone saves from the badge files the name by them.
    card = vobject.readOne(client.get(f"/b/{me.badge_token}/contact.vcf").get_data(as_text=True))
    assert (card.n.value.prefix, card.n.value.given, card.n.value.family) == ("Dr.", "Tomás", "Herrera Díaz")
    assert card.fn.value == "Tomás Herrera Díaz"

    # Too long: the message is on its field, the group stays open, nothing is saved.
    response = post(client, {"given_name": "G" * 121, "family_name": "Herrera Díaz"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Given name is at most 120 characters (121 now)." in html
    assert 'aria-invalid="true"' in field_tag(html, "given_name") and '<details class="name-parts" open>' in html
    assert reload(me).given_name == "Tomás"

    # Only a name typed joined: the parts stay empty, never split by guessing.
    post(client, {"name": "Hal Daumé III", "name_prefix": "", "given_name": "", "family_name": ""})
    saved = reload(me)
    assert (saved.name, saved.given_name, saved.family_name) == ("Hal Daumé III", "", "")


def _photo_file(tmp_path):
    """A phone-sized JPEG with a face-coloured disc in the middle, to upload from the browser."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (40, 90, 160))
    ImageDraw.Draw(image).ellipse((550, 250, 1050, 950), fill=(236, 188, 150))
    path = tmp_path / "me.jpg"
    image.save(path, "JPEG", quality=88)
    return path


def _in_viewport(page, selector: str) -> bool:
    """Whether the element is wholly on screen and above the fixed tab bar."""
    return page.evaluate("""selector => {
        const box = document.querySelector(selector).getBoundingClientRect();
        const bar = document.querySelector('.tabbar');
        const bottom = bar ? bar.getBoundingClientRect().top : innerHeight;
        return box.top >= 0 && box.bottom <= bottom;
    }""", selector)


@pytest.mark.browser
def test_the_phone_moment_photo_preview_and_errors_at_the_field(live_server, phone, make_event, make_attendee,
                                                                 tmp_path, capsys):
    """At 360 x 740: a photo taken or chosen shows on the card preview at once; the preview
    follows the typing; a bad phone number puts the focus on the phone field with its message
    beside it, on screen."""
    event = make_event(slug="conf")
    zoe = make_attendee(event, "zoe@example.org", "Zoë Ångström", phone="+49 30 1234567",
                        bio="Builds data pipelines for public transport.", linkedin="https://linkedin.com/in/zoe",
                        can_help_with="Python, timetables")
    page = phone
    log_in(page, live_server, zoe, "/e/conf/profile")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")

    # No photo yet: initials on the preview; the file input offers camera and library alike.
    preview = page.locator("#card-preview")
    expect(preview.locator(".avatar")).to_have_text("ZÅ")
    file_input = page.get_by_label("Add a photo")
    assert file_input.get_attribute("accept") == "image/*" and file_input.get_attribute("capture") is None
    expect(page.get_by_role("button", name="Upload photo")).to_be_hidden()  # JavaScript uploads on choosing

    file_input.set_input_files(str(_photo_file(tmp_path)))
    expect(page.get_by_role("status").filter(has_text="Photo saved.")).to_be_visible()
    face = preview.locator("img.avatar")
    expect(face).to_have_attribute("src", re.compile(r"^/photos/[A-Za-z0-9_-]{22}\.jpg$"))
    page.wait_for_function("() => { const img = document.querySelector('#card-preview img.avatar');"
                           " return img && img.complete && img.naturalWidth === 512; }")
    expect(page.locator("#photo-field img.avatar")).to_be_visible()
    expect(page.get_by_role("button", name="Remove photo")).to_be_visible()

    # The preview follows what is typed, through public_card (nothing saved yet).
    page.get_by_label("Headline", exact=True).fill("Timetable whisperer")
    expect(preview.get_by_text("Timetable whisperer")).to_be_visible()
    page.get_by_role("switch", name="Share photo").uncheck()
    expect(preview.locator("img")).to_have_count(0)
    page.get_by_role("switch", name="Share photo").check()
    expect(preview.locator("img.avatar")).to_have_count(1)
    assert reload(zoe).headline != "Timetable whisperer"
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "profile", full_page=True)
    after = page.evaluate("document.documentElement.scrollHeight")

    # A wrong phone number, saved with htmx: focus on the field, its message next to it, on screen.
    page.get_by_label("Phone", exact=True).fill("call me maybe")
    page.get_by_role("button", name="Save profile").click()
    phone_input = page.get_by_label("Phone", exact=True)
    expect(phone_input).to_be_focused()
    expect(phone_input).to_have_attribute("aria-invalid", "true")
    error = page.locator("#p-phone-error")
    expect(error).to_contain_text("A phone number has only digits")
    assert _in_viewport(page, "#p-phone") and _in_viewport(page, "#p-phone-error")
    screenshot(page, "profile-errors", full_page=False)

    # Fixed and saved: the badge page others open has the face (beside the name) and the new headline.
    phone_input.fill("+49 30 1234567")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    saved = reload(zoe)
    assert saved.headline == "Timetable whisperer" and saved.photo_key
    page.goto(f"{live_server.url}/b/{saved.badge_token}")
    card_face = page.locator(".person-head img.avatar")
    expect(card_face).to_be_visible()
    page.wait_for_function("() => document.querySelector('.person-head img.avatar').naturalWidth === 512")
    screenshot(page, "badge-card-photo", full_page=False)
    with capsys.disabled():
        print(f"\n[profile] page height at 360 x 740: {height} px on opening, {after} px with a photo")


@pytest.mark.browser
def test_without_javascript_the_profile_still_uploads_and_focuses_the_first_error(live_server, browser, make_event,
                                                                                  make_attendee, tmp_path):
    """No JavaScript: the Upload photo button posts the file; an invalid save reloads the page
    with the first invalid field focused (autofocus) and its message visible."""
    from conftest import guard_offsite

    event = make_event(slug="conf")
    zoe = make_attendee(event, "zoe@example.org", "Zoë Ångström")
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    guard_offsite(page)
    try:
        log_in(page, live_server, zoe, "/e/conf/profile")
        page.get_by_label("Add a photo").set_input_files(str(_photo_file(tmp_path)))
        page.get_by_role("button", name="Upload photo").click()
        expect(page.get_by_text("Photo saved")).to_be_visible()
        expect(page.locator("#card-preview img.avatar")).to_be_visible()

        page.get_by_label("Phone", exact=True).fill("call me")
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_label("Phone", exact=True)).to_be_focused()
        assert _in_viewport(page, "#p-phone") and _in_viewport(page, "#p-phone-error")
    finally:
        context.close()
