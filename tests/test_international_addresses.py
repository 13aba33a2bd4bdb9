"""Internationalised addresses on the wire: the domain as IDNA, SMTPUTF8 only where the local part needs it.

Against real aiosmtpd servers, one that offers SMTPUTF8 (RFC 6531) and one that does not, the
way most relays still are.
"""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from conftest import SMTPRecorder, free_port

from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.outbox import wire_address
from eventnet.mail.services import deliver_due, queue_email


class Relay(SMTPRecorder):
    """An SMTPRecorder that offers SMTPUTF8 or not, and keeps the envelope's options."""

    def __init__(self, smtputf8: bool):
        self.envelopes = []
        self.port = free_port()
        self.reject = None
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8)


@pytest.fixture(params=[True, False], ids=["relay-with-smtputf8", "relay-without"])
def relay(request):
    server = Relay(request.param)
    server.smtputf8 = request.param
    server.controller.start()
    yield server
    server.controller.stop()


def test_wire_address_turns_only_the_domain_into_ascii():
    assert wire_address("anna@bücher.example") == "anna@xn--bcher-kva.example"
    assert wire_address("Anna@Bücher.Example") == "Anna@xn--bcher-kva.example"  # UTS 46 lower-cases the domain
    assert wire_address("plain@example.org") == "plain@example.org"
    assert wire_address("ü@bücher.example") == "ü@xn--bcher-kva.example"


def test_an_idn_domain_reaches_any_relay_as_punycode(app_factory, relay, make_event):
    app = app_factory(SMTP_URL=relay.url)
    with app.app_context():
        event = make_event()
        queue_email(to="anna@bücher.example", subject="Hello", template="login_link", kind="login_link",
                    context={"event": event, "attendee": None, "url": "https://x/login/a", "code": "123456",
                             "minutes": 15}, event_id=event.id)
        db.session.commit()
        report = deliver_due()
    assert report.sent == 1
    [envelope] = relay.envelopes
    assert envelope.rcpt_tos == ["anna@xn--bcher-kva.example"]
    assert "SMTPUTF8" not in envelope.mail_options
    [message] = relay.messages()
    assert message["To"] == "anna@xn--bcher-kva.example"


def test_a_non_ascii_local_part_needs_smtputf8_and_fails_at_once_without_it(app_factory, relay, make_event):
    app = app_factory(SMTP_URL=relay.url)
    with app.app_context():
        event = make_event()
        queue_email(to="jürgen@bücher.example", subject="Hello", template="login_link", kind="login_link",
                    context={"event": event, "attendee": None, "url": "https://x/login/a", "code": "123456",
                             "minutes": 15}, event_id=event.id)
        db.session.commit()
        report = deliver_due()
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    if relay.smtputf8:
        assert report.sent == 1 and row.status == "sent"
        [envelope] = relay.envelopes
        assert envelope.rcpt_tos == ["jürgen@xn--bcher-kva.example"] and "SMTPUTF8" in envelope.mail_options
    else:
        # No twelve retries: the relay can never take it, and it says why.
        assert row.status == "failed" and row.attempts == 1
        assert "not plain ASCII" in row.last_error and "SMTPUTF8" in row.last_error
        assert relay.envelopes == []
