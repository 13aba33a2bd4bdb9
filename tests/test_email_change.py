"""Changing an attendee's login email never hands their account, notes and contacts to someone else.

An organizer's edit applies at once only for someone with no data of their own; for anyone with
a connection it mails a confirmation to the current address; the operator's command line is the
way for someone who lost access to their address.
"""
import mailbox
import re
import time

import pytest
from itsdangerous import TimestampSigner

from eventnet.attendees.models import Attendee
from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import SCRUBBED, deliver_due
from eventnet.audit.models import AuditLog
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}
ORGANIZERS_OWN = "maren.private@example.net"  # an address the organizer reads, not in the event


@pytest.fixture
def desk(client, login, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada Nwosu", company="Northwind")
    bo = make_attendee(event, email="bo@example.org", name="Bo Chen")
    record_scan(ada, bo.badge_token, "5f0c2b8e-2f7e-4a44-8d8e-0d7a3e1b0ec1", None)
    db.session.commit()
    login(client, maren)
    client.token = csrf_token(client, "/e/org/organizer/attendees")
    return client, event, maren, ada, bo


def edit(client, attendee_id, **values):
    data = {"csrf_token": client.token, "role": "attendee", **values}
    return client.post(f"/e/org/organizer/attendees/{attendee_id}/edit", data=data)


def fresh(attendee_id) -> Attendee:
    db.session.expire_all()
    return db.session.get(Attendee, attendee_id)


def mails(app, to: str) -> list:
    """Messages the local sender delivered to `to` (the development Maildir), after sending what is due."""
    deliver_due()
    try:
        box = mailbox.Maildir(app.config["MAILBOX_PATH"], create=False)
    except mailbox.NoSuchMailboxError:
        return []
    return [m for m in box if to in m["To"]]


def text_of(message) -> str:
    return message.get_payload()[0].get_payload(decode=True).decode()


def actions() -> list[str]:
    db.session.expire_all()
    return [a for (a,) in db.session.execute(db.select(AuditLog.action).order_by(AuditLog.id)).all()]


def phone_login(app_factory, event_slug: str, email: str) -> str | None:
    """Ask for a login link on the login page as anyone could; None (the answer reveals nothing)."""
    phone = app_factory().test_client()
    token = csrf_token(phone, f"/e/{event_slug}/login")
    phone.post(f"/e/{event_slug}/login", data={"csrf_token": token, "email": email})


def test_an_organizer_cannot_move_an_account_with_data_to_their_own_address(app, app_factory, desk):
    client, event, maren, ada, bo = desk
    response = edit(client, ada.id, email=ORGANIZERS_OWN, name="Ada N.", company="Southwind", headline="CTO")
    assert response.status_code == 303
    now = fresh(ada.id)
    assert (now.email, now.email_key) == ("ada@example.org", "ada@example.org")  # not moved
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a confirmation was sent to their current address" in page and "their email stays ada@example.org" in page
    assert (now.name, now.company, now.headline) == ("Ada N.", "Southwind", "CTO")  # the rest saved at once
    assert actions() == ["email_change_requested", "attendee_updated"]
    # Whoever reads the organizer's address gets nothing that logs in as Ada.
    phone_login(app_factory, "org", ORGANIZERS_OWN)
    assert mails(app, ORGANIZERS_OWN) == []
    [confirmation] = mails(app, "ada@example.org")
    assert confirmation["Subject"] == "Confirm the new email you log in to PyConf with"
    body = text_of(confirmation)
    assert ORGANIZERS_OWN in body and "Confirm only if" in body and "works for 3 days" in body
    db.session.expire_all()
    row = db.session.execute(db.select(OutboxMessage).filter_by(kind="email_change")).scalar_one()
    assert row.text_body == SCRUBBED  # the outbox keeps no usable copy of the link
    # Ada opens the link: the page asks (a mail scanner's GET changes nothing) ...
    link = re.search(r"(http://eventnet\.test/e/org/email-change/\S+)", body).group(1)
    path = link.removeprefix("http://eventnet.test")
    adas = app_factory().test_client()
    ask = adas.get(path)
    assert ask.status_code == 200 and "no-store" in ask.headers["Cache-Control"]
    html = ask.get_data(as_text=True)
    assert 'data-email-change="ask"' in html and ORGANIZERS_OWN in html and "Confirm only if" in html
    assert fresh(ada.id).email == "ada@example.org"
    # ... and only her POST applies it.
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = adas.post(path, data={"csrf_token": form_token})
    assert done.status_code == 200 and 'data-email-change="done"' in done.get_data(as_text=True)
    assert fresh(ada.id).email_key == ORGANIZERS_OWN
    assert actions()[-1] == "email_change_confirmed"
    entry = db.session.execute(db.select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
    assert entry.actor == "ada@example.org" and entry.details["new"] == ORGANIZERS_OWN
    # The same link cannot be used twice.
    again = adas.post(path, data={"csrf_token": form_token})
    assert again.status_code == 409 and 'data-email-change-problem="stale"' in again.get_data(as_text=True)


def test_a_confirmation_applies_only_while_it_still_can(app, app_factory, desk, monkeypatch):
    from eventnet.attendees import email_change

    client, event, maren, ada, bo = desk
    adas = app_factory().test_client()
    form_token = re.search(r'"X-CSRFToken": "([^"]+)"', adas.get("/e/org/login").get_data(as_text=True)).group(1)

    def token_for(new_email):
        return email_change.make_token(fresh(ada.id), new_email)

    def answer(token, method="GET"):
        return adas.open(f"/e/org/email-change/{token}", method=method, data={"csrf_token": form_token})

    good = token_for("ada.new@example.org")
    # Tampered, cut short or far too long: 404, nothing changes.
    for bad in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), good[:20], "x" * 5000):
        for method in ("GET", "POST"):
            response = answer(bad, method)
            assert response.status_code == 404, (bad[:30], method)
            assert 'data-email-change-problem="invalid"' in response.get_data(as_text=True)
    assert adas.get(f"/e/nope/email-change/{good}").status_code == 404  # another (unknown) event
    # Another attendee has the address: 409 on the page and on the button, nothing changes.
    taken = token_for("bo@example.org")
    assert answer(taken).status_code == 409 and answer(taken, "POST").status_code == 409
    # Made more than three days ago: 410.
    with monkeypatch.context() as patch:  # the signer stamps its tokens with get_timestamp()
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3 * 86400 - 60)
        old = token_for("ada.old@example.org")
    expired = answer(old, "POST")
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    assert fresh(ada.id).email == "ada@example.org"
    assert adas.post(f"/e/org/email-change/{good}", data={}).status_code == 400  # no CSRF token
    assert fresh(ada.id).email == "ada@example.org"
    assert answer(good, "POST").status_code == 200
    assert fresh(ada.id).email == "ada.new@example.org"
    # The address changed another way since the link was sent (the operator's command, say): stale.
    stale = token_for("ada.fourth@example.org")
    now = fresh(ada.id)
    now.email, now.email_key = "ada.fifth@example.org", "ada.fifth@example.org"
    db.session.commit()
    assert answer(stale).status_code == 409 and answer(stale, "POST").status_code == 409
    assert fresh(ada.id).email == "ada.fifth@example.org"


def test_an_attendee_without_data_gets_the_new_address_at_once_and_is_logged_out(app, login, desk, make_attendee):
    client, event, maren, ada, bo = desk
    cy = make_attendee(event, email="cy@exmaple.org", name="Cy", company="", headline="")  # a typo on the list
    cys_phone = login(app.test_client(), cy)
    assert cys_phone.get("/e/org/").status_code == 200
    response = edit(client, cy.id, email="cy@example.org", name="Cy")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved with the new email cy@example.org" in page
    assert fresh(cy.id).email_key == "cy@example.org"
    assert actions() == ["attendee_updated"]
    entry = db.session.execute(db.select(AuditLog)).scalar_one()
    assert entry.details["changed"] == {"email": ["cy@exmaple.org", "cy@example.org"]}
    # Sessions opened under the old address end: pointing an address away and back leaves none.
    assert cys_phone.get("/e/org/").status_code in (302, 303)
    assert mails(app, "cy@example.org") == [] and mails(app, "cy@exmaple.org") == []


def test_the_edit_form_says_which_rule_applies(desk):
    client, event, maren, ada, bo = desk
    form = client.get(f"/e/org/organizer/attendees/{ada.id}/edit").get_data(as_text=True)
    assert "a new address takes effect only when they confirm it from their current one" in form
    own = client.get(f"/e/org/organizer/attendees/{maren.id}/edit").get_data(as_text=True)
    assert "confirm it from their current one" not in own
    # An organizer changing their own address with no data keeps their session.
    response = edit(client, maren.id, email="maren@example.com", name="Maren", role="organizer")
    assert response.status_code == 303
    assert client.get("/e/org/organizer/attendees").status_code == 200


def test_operator_changes_the_email_of_someone_who_lost_their_address(app, runner, login, desk):
    client, event, maren, ada, bo = desk
    adas_phone = login(app.test_client(), ada)
    assert adas_phone.get("/e/org/").status_code == 200
    result = runner.invoke(args=["attendees", "change-email", "org", "ADA@example.org", "ada@newmail.example"])
    assert result.exit_code == 0, result.output
    assert "Ada Nwosu now logs in to PyConf with ada@newmail.example (was ada@example.org)" in result.output
    assert fresh(ada.id).email_key == "ada@newmail.example"
    assert adas_phone.get("/e/org/").status_code in (302, 303)  # every session ended
    entry = db.session.execute(db.select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
    assert (entry.action, entry.actor, entry.actor_id) == ("email_changed_by_operator", "command line", None)
    assert entry.details["old"] == "ada@example.org" and entry.details["new"] == "ada@newmail.example"
    log = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert "Changed an attendee&#39;s email on the server (command line)" in log
    # Refusals say why and change nothing.
    for args, message in (
        (["org", "ada@newmail.example", "bo@example.org"], "Another attendee of this event has that address"),
        (["org", "ada@newmail.example", "not an address"], "That is not an email address"),
        (["org", "ada@newmail.example", "ada@newmail.example"], "That is the attendee's address already"),
        (["org", "nobody@example.org", "x@example.org"], "No attendee with the email"),
        (["nope", "ada@newmail.example", "x@example.org"], "No event with the slug"),
    ):
        refused = runner.invoke(args=["attendees", "change-email", *args])
        assert refused.exit_code == 1 and message in refused.output, (args, refused.output)
    assert fresh(ada.id).email_key == "ada@newmail.example"
    help_text = runner.invoke(args=["attendees", "change-email", "--help"]).output
    assert "lost access" in help_text and "ends every session" in help_text
