"""The sender against a misbehaving relay: real aiosmtpd servers on 127.0.0.1 whose answers the
tests script (issue 10, item 4).

- the retry schedule spans what the code says, and the last attempt gives up with the reason.
"""
from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import free_port
from sqlalchemy import update

from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import deliver_due, queue_email

ROOT = Path(__file__).resolve().parent.parent


class ScriptedRelay:
    """An aiosmtpd handler whose answers the test sets while it runs.

    mail_from: the answer to every MAIL FROM instead of 250 (None: accept).
    rcpt: {address: [answers]}: the next RCPT TO for that address gets the first answer (used up).
    after_data: {n: "drop" | "drop-before-reply"}: the n-th DATA (from 1) closes the connection
        after its 250, or as soon as the content is in, without any answer.
    data_delay: seconds every DATA takes before its answer (a slow or stalled relay).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.lock = threading.Lock()
        self.mail_from: str | None = None
        self.rcpt: dict[str, list[str]] = {}
        self.after_data: dict[int, str] = {}
        self.data_delay = 0.0
        self.mail_from_seen = 0
        self.data_started = 0
        self.accepted: list[str] = []  # recipients of the messages answered 250, in order

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_from_seen += 1
            refusal = self.mail_from
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            answers = self.rcpt.get(address)
            answer = answers.pop(0) if answers else None
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_started += 1
            n = self.data_started
            fault = self.after_data.get(n)
            delay = self.data_delay
        if delay:
            await asyncio.sleep(delay)
        if fault == "drop-before-reply":
            # The content has arrived (the relay may well deliver it) but the answer never leaves.
            server.transport.close()
            with self.lock:
                self.accepted.extend(envelope.rcpt_tos)
            return "250 OK"
        if fault == "drop":
            # Answer 250, then hang up (a relay's per-connection message limit, an idle timeout).
            asyncio.get_running_loop().call_soon(server.transport.close)
        with self.lock:
            self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def relay():
    server = ScriptedRelay()
    server.controller.start()
    yield server
    server.controller.stop()


def queue(n: int, start: int = 0) -> list[int]:
    ids = [queue_email(to=f"reader{i}@example.org", subject=f"Hello {i}", template="login_link",
                       context={"event": {"name": "Relay Conf"}, "attendee": None,
                                "url": "http://eventnet.test/login/abc", "code": "123456", "minutes": 15},
                       kind="test").id
           for i in range(start, start + n)]
    db.session.commit()
    return ids


def rows() -> dict[str, OutboxMessage]:
    db.session.expire_all()
    found = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
    return {row.to_addr.split("@")[0]: row for row in found}


def make_all_due() -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(next_attempt_at=utcnow()))
    db.session.commit()


# ----------------------------------------------------------------------------- the retry schedule

def test_the_retry_schedule_spans_what_the_code_says(app, monkeypatch):
    from eventnet.mail import sender

    monkeypatch.setattr(sender.random, "uniform", lambda low, high: low)
    shortest = sum((sender.backoff(n) for n in range(1, sender.MAX_ATTEMPTS)), timedelta())
    monkeypatch.setattr(sender.random, "uniform", lambda low, high: high)
    longest = sum((sender.backoff(n) for n in range(1, sender.MAX_ATTEMPTS)), timedelta())
    # "about two days" from the first attempt to the last, as the sender's comments say.
    assert timedelta(hours=40) <= shortest <= longest <= timedelta(hours=52), (shortest, longest)
    assert sender.RETRY_SPAN == (shortest, longest)


def test_the_last_attempt_gives_up_with_the_reason(app_factory, relay):
    from eventnet.mail.sender import MAX_ATTEMPTS

    app = app_factory(SMTP_URL=relay.url)
    relay.rcpt = {"reader0@example.org": [f"451 4.3.0 try {n}" for n in range(MAX_ATTEMPTS)]}
    with app.app_context():
        queue(1)
        for _ in range(MAX_ATTEMPTS - 1):
            assert deliver_due().retried == 1
            make_all_due()
        assert deliver_due().failed == 1
        row = rows()["reader0"]
        assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
        assert row.last_error == f"gave up after {MAX_ATTEMPTS} attempts: 451 4.3.0 try {MAX_ATTEMPTS - 1}"
