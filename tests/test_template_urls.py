"""Templates' url_for remembers the relative URLs it built (eventnet.templating.url_for_cached).

A cached URL must still be the one this request would build: the script root a proxy mounts the
app under is part of it, and external URLs are built each time from the request's host.
"""
from __future__ import annotations

from flask import render_template_string


def test_a_url_built_under_one_script_root_is_not_served_under_another(app, make_event, make_attendee):
    event = make_event()
    owner = make_attendee(event)
    client = app.test_client()
    plain = client.get(f"/b/{owner.badge_token}").get_data(as_text=True)
    mounted = client.get(f"/b/{owner.badge_token}", base_url="http://localhost/meet").get_data(as_text=True)
    assert f'href="/b/{owner.badge_token}/contact.vcf"' in plain
    assert f'href="/meet/b/{owner.badge_token}/contact.vcf"' in mounted
    assert 'href="/static/css/app.css"' in plain and 'href="/meet/static/css/app.css"' in mounted
    again = client.get(f"/b/{owner.badge_token}").get_data(as_text=True)
    assert f'href="/b/{owner.badge_token}/contact.vcf"' in again and "/meet/" not in again


def test_external_urls_and_unhashable_values_are_built_each_time(app):
    template = "{{ url_for('events.index', _external=True) }}|{{ url_for('events.index', ids=[1, 2]) }}"
    with app.test_request_context(base_url="https://one.example"):
        first = render_template_string(template)
    with app.test_request_context(base_url="https://two.example"):
        second = render_template_string(template)
    assert first.startswith("https://one.example/") and second.startswith("https://two.example/")
    assert first.split("|")[1] == second.split("|")[1] == "/?ids=1&amp;ids=2"
