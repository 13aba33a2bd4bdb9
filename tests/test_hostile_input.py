"""Each input a fuzzing session turned into a 500 (issue "Nothing breaks it"), as a named test.

Every one of these answered 500 before; now each is a 4xx with a sentence for the person, and
the data stays as it was.
"""
from __future__ import annotations

import logging
import uuid

import pytest
from conftest import csrf_token

from eventnet.connections.services import record_scan
from eventnet.events.models import Event
from eventnet.extensions import db

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app, make_event, make_attendee, login):
    event = make_event(slug="conf", timezone="Europe/Berlin")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    bo = make_attendee(event, email="bo@example.org", name="Bo")
    olu = make_attendee(event, email="olu@example.org", name="Olu", role="organizer")
    connection_id = record_scan(ada, bo.badge_token, str(uuid.uuid4())).connection_id
    db.session.commit()
    return {"event": event, "ada": ada, "bo": bo, "olu": olu, "connection_id": connection_id,
            "as_ada": login(app.test_client(), ada), "as_olu": login(app.test_client(), olu)}


@pytest.fixture
def no_tracebacks(caplog):
    """The log holds no traceback of an unhandled error for these requests."""
    with caplog.at_level(logging.ERROR):
        yield caplog
    assert [r for r in caplog.records if r.exc_info] == [], [r.getMessage() for r in caplog.records]


def event_form(**changes) -> dict:
    return {"name": "Conf", "timezone": "Europe/Berlin", "venue": "", "starts_at": "2026-06-01T09:00",
            "ends_at": "2026-06-02T18:00", "scan_opens_at": "", "scan_closes_at": "", **changes}


# ----------------------------------------------------------------------------- absurd dates


@pytest.mark.parametrize("changes", [
    {"ends_at": "9999-12-31T23:59"},  # accepted before, then every digest round overflowed
    {"starts_at": "0001-01-01T00:00"},  # a 500 on save in Europe/Berlin
    {"scan_closes_at": "2150-01-01T00:00"},
    {"starts_at": "1999-12-31T23:00"},
])
def test_event_times_outside_2000_to_2100_are_refused_with_a_message(world, no_tracebacks, changes):
    client = world["as_olu"]
    before = (world["event"].starts_at, world["event"].ends_at)
    response = client.post("/e/conf/organizer/event",
                           data={"csrf_token": csrf_token(client, "/e/conf/organizer/event"), **event_form(**changes)})
    assert response.status_code == 422
    assert "Choose a date between 2000 and 2100." in response.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.get(Event, world["event"].id)
    assert (event.starts_at, event.ends_at) == before
    # The event's pages still answer.
    for path in ("/e/conf/organizer/event", "/e/conf/organizer/digests", "/e/conf/digest"):
        assert client.get(path).status_code == 200, path


def test_digest_time_outside_the_years_is_refused(world, no_tracebacks):
    client = world["as_olu"]
    response = client.post("/e/conf/organizer/digests/settings", data={
        "csrf_token": csrf_token(client, "/e/conf/organizer/digests"), "digest_at": "9999-12-31T09:00",
        "no_contacts": "matches", "reminder_days": "30", "reply_to": ""})
    assert response.status_code == 422 and "Choose a date between 2000 and 2100." in response.get_data(as_text=True)


def test_the_command_line_and_the_model_refuse_them_too(runner):
    result = runner.invoke(args=["events", "create", "far", "--name", "Far", "--start", "2026-01-01 09:00",
                                 "--end", "9999-12-31 18:00", "--timezone", "Europe/Berlin"])
    assert result.exit_code == 1 and "Choose a date between 2000 and 2100." in result.output
    from datetime import datetime, timezone

    with pytest.raises(ValueError):
        Event(slug="x", name="X", timezone="UTC", starts_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
              ends_at=datetime(9999, 12, 31, tzinfo=timezone.utc))


# ----------------------------------------------------------------------------- hostile requests


@pytest.mark.parametrize("path", ["/", "/e/conf/login", "/e/conf/", "/b/unknown-token", "/no/such/page"])
def test_a_host_header_with_a_label_over_63_characters_is_400(app, world, no_tracebacks, path):
    response = app.test_client().get(path, headers={"Host": "a" * 70 + ".example.org"})
    assert response.status_code == 400
    assert "<h1>" in response.get_data(as_text=True)


def test_ids_past_the_databases_integers_are_404_on_every_id_route(app, world, no_tracebacks):
    """2**63 and more broke SQLite, 2**31 and more PostgreSQL: every <int:...> route, as the people who may use it."""
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if converter.__class__.__name__ == "IdConverter"]
        if not ints:
            continue
        others = {name: "conf" if name == "slug" else "x" for name in rule.arguments if name not in ints}
        for big in (2**31, 2**63, 10**20):
            url = rule.build({**others, **{name: big for name in ints}}, append_unknown=False)[1]
            for client in (world["as_ada"], world["as_olu"]):
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = client.open(url, method=method, headers={"X-CSRFToken": csrf_token(client, "/e/conf/scan")})
                    assert response.status_code in (404, 405), (method, url, response.status_code)
                    checked += 1
    assert checked > 30


@pytest.mark.parametrize("path", ["/e/conf/api/scans", "/e/conf/api/scans/{uuid}/note"])
def test_json_nested_50000_deep_is_400(world, no_tracebacks, path):
    client = world["as_ada"]
    deep = "[" * 50_000 + "]" * 50_000
    response = client.post(path.format(uuid=uuid.uuid4()), data=deep, content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(client, "/e/conf/scan"), **JSON})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("method,path,data", [
    ("GET", "/e/%00/login", None),
    ("GET", "/e/conf/contacts/?q=a%00b", None),
    ("GET", "/e/conf/scan/search?q=ab%00c", None),
    ("GET", "/e/conf/organizer/attendees?q=%00", None),
    ("POST", "/e/conf/login", {"email": "a\x00b@example.org"}),
    ("POST", "/e/conf/contacts/{cid}/note", {"note": "met at \x00 the booth"}),
    ("POST", "/e/conf/organizer/event", event_form(name="Conf\x00")),
])
def test_a_nul_character_is_refused_before_any_query(world, no_tracebacks, method, path, data):
    client = world["as_olu"] if "/organizer/" in path else world["as_ada"]
    url = path.format(cid=world["connection_id"])
    if data is not None:
        data = {"csrf_token": csrf_token(client, "/e/conf/scan" if client is world["as_ada"] else "/e/conf/organizer/event"),
                **data}
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_character_in_the_phones_json_is_refused_as_json(world, no_tracebacks):
    client = world["as_ada"]
    headers = {"X-CSRFToken": csrf_token(client, "/e/conf/scan"), **JSON}
    for body in ({"token": "abc\x00"}, {"note": "x\x00", "attendee_id": world["ada"].id}):
        path = "/e/conf/api/scans" if "token" in body else f"/e/conf/api/scans/{uuid.uuid4()}/note"
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "nul_character"


# ----------------------------------------------------------------------------- one error type, one answer


def test_a_domain_error_answers_as_json_fragment_or_page(world):
    """One handler answers every expected failure in the shape the caller asked for."""
    client = world["as_ada"]
    token = csrf_token(client, "/e/conf/scan")
    own = world["ada"].badge_token
    as_json = client.post("/e/conf/api/scans", json={"token": own, "client_uuid": str(uuid.uuid4())},
                          headers={"X-CSRFToken": token, **JSON})
    assert as_json.status_code == 400 and as_json.get_json()["error"]["code"] == "self_scan"
    as_fragment = client.post(f"/b/{own}/exchange", data={"csrf_token": token}, headers={"HX-Request": "true"})
    # The badge page's panel again with why (422: htmx swaps it; a 4xx page would not be shown).
    assert as_fragment.status_code == 422 and "<html" not in as_fragment.get_data(as_text=True)
    assert "your own badge" in as_fragment.get_data(as_text=True)
    as_page = client.post(f"/b/{own}/exchange", data={"csrf_token": token})
    assert as_page.status_code == 400 and "<html" in as_page.get_data(as_text=True)
    unknown = client.get("/b/no-such-badge-token")
    assert unknown.status_code == 404 and "Unknown badge" in unknown.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/e/conf/organizer/attendees/new", "/e/conf/organizer/event"])
@pytest.mark.parametrize("body", [[1, 2], "x", {"name": "Sent as JSON"}])
def test_a_json_body_is_no_form_the_console_forms_read(world, no_tracebacks, path, body):
    """Flask-WTF alone would read a JSON body as the form (a 500 for a list): it gets the empty form's messages."""
    client = world["as_olu"]
    response = client.post(path, json=body, headers={"X-CSRFToken": csrf_token(client, "/e/conf/organizer/event")})
    assert response.status_code == 422 and "Not saved." in response.get_data(as_text=True)
    assert "Sent as JSON" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path,status", [
    ("/e/conf/organizer/digests/start", 400), ("/e/conf/organizer/login-emails", 400),
    ("/e/conf/organizer/attendees/bulk/remove", 400), ("/e/conf/organizer/look/accent", 303),
    ("/e/conf/organizer/look/logo", 422),  # "choose a file"
])
@pytest.mark.parametrize("body", ["1e400", "[1, 2]", '"x"', "-0", '{"token": 1e400}'])
def test_a_json_number_or_list_is_no_confirmation_nor_look(world, no_tracebacks, path, status, body):
    """A mass action's confirmation and the look's forms read only posted fields: a JSON body
    (1e400 is infinity to Python's json) was a 500 for the fuzzer; nothing is sent or changed."""
    client = world["as_olu"]
    response = client.post(path, data=body, content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(client, "/e/conf/organizer/event")})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Event, world["event"].id).accent_color == ""


# ----------------------------------------------------------------------------- the other forms read only posted fields

# (who, path, page carrying the token, status, what the person reads): a JSON body is no form, so
# each answers as for an empty form, as it did when they read request.form by hand.
EMPTY_FORMS = [
    (None, "/e/conf/login", "/e/conf/login", 422, "Enter the email address you registered with."),
    (None, "/e/conf/login/code", "/e/conf/login/code", 422, "That code is not right"),
    ("as_ada", "/e/conf/my-data/delete", "/e/conf/my-data", 422, "Type DELETE or your email address to confirm."),
    ("as_ada", "/e/conf/digest", "/e/conf/digest", 303, ""),
    ("as_olu", "/e/conf/organizer/digests/settings", "/e/conf/organizer/digests", 303, ""),
    ("as_olu", "/e/conf/organizer/digests/test", "/e/conf/organizer/digests", 303, ""),
]


def _client(app, world, who):
    return world[who] if who else app.test_client()


@pytest.mark.parametrize("who,path,page,status,message", EMPTY_FORMS)
@pytest.mark.parametrize("body", [[1, 2], "x", {"email": "json@example.org", "reply_to": "json@example.org",
                                                "confirm": "DELETE", "variant": "nope", "reminder_days": "x"}])
def test_a_json_body_is_no_form_for_login_my_data_and_digests(app, world, no_tracebacks, who, path, page, status,
                                                               message, body):
    """Flask-WTF alone would read a JSON body as the form (a 500 for a list); these read only posted fields."""
    client = _client(app, world, who)
    response = client.post(path, json=body, headers={"X-CSRFToken": csrf_token(client, page)})
    assert response.status_code == status and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, world["event"].id).reply_to in (None, "")
    assert db.session.get(type(world["ada"]), world["ada"].id) is not None


# (who, path, page, posted fields with two values each, status, what the person reads): the first value counts,
# except for a checkbox after its hidden "0", where the last does.
TWO_VALUES = [
    (None, "/e/conf/login", "/e/conf/login", {"email": ["x", "ada@example.org"]}, 422,
     "Enter a complete email address"),
    (None, "/e/conf/login/code", "/e/conf/login/code", {"email": ["ada@example.org"] * 2, "code": ["1", "2"]}, 422,
     "That code is not right"),
    ("as_ada", "/e/conf/my-data/delete", "/e/conf/my-data", {"confirm": ["nope", "DELETE"]}, 422,
     "Type DELETE or your email address to confirm."),
    ("as_olu", "/e/conf/organizer/digests/settings", "/e/conf/organizer/digests",
     {"reminder_days": ["x", "30"], "reply_to": ["team@example.org", "y"]}, 422, "Give numbers of days"),
    ("as_olu", "/e/conf/organizer/digests/test", "/e/conf/organizer/digests", {"variant": ["nope", "contacts"]}, 400,
     "Choose the sample for an attendee with contacts or for one without."),
]


@pytest.mark.parametrize("who,path,page,fields,status,message", TWO_VALUES)
def test_a_field_posted_twice_is_read_once(app, world, no_tracebacks, who, path, page, fields, status, message):
    client = _client(app, world, who)
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **fields})
    assert response.status_code == status and message in response.get_data(as_text=True)


def test_the_digest_choice_reads_the_last_of_a_checkbox_and_its_hidden_zero(world, no_tracebacks):
    from eventnet.digests.services import get_preference

    client = world["as_ada"]
    response = client.post("/e/conf/digest", data={"csrf_token": csrf_token(client, "/e/conf/digest"),
                                                   "digest": ["0", "1"], "reminders": ["0"]})
    assert response.status_code == 303
    db.session.expire_all()
    preference = get_preference(world["ada"])
    assert not preference.followups_off and preference.reminders_off
