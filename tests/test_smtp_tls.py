"""SMTP over TLS, against real aiosmtpd servers on 127.0.0.1 with a throwaway certificate.

smtp:// upgrades with STARTTLS and logs in only once encrypted; smtps:// speaks TLS from the
first byte. The certificate is always verified: the tests trust their own CA through the
documented SMTP_CA_FILE setting, and a certificate from any other CA makes mail wait. Waiting
means the outbox pauses (eventnet.mail.relay): these are the deployment's problems, never a
message's, so no email fails and no attempt is used up.
"""
from __future__ import annotations

import email
import shutil
import smtplib
import ssl
import subprocess
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import free_port

from eventnet.config import load_config
from eventnet.extensions import db
from eventnet.mail import transports
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import deliver_due, queue_email

USER, PASSWORD = "mailer", "s3cret pass/word"
SMTP_USERINFO = "mailer:s3cret%20pass%2Fword"  # as SMTP_URL carries it, percent-encoded


# ----------------------------------------------------------------------------- certificates

@dataclass
class Certs:
    ca: Path  # the CA certificate that signed the server's: what SMTP_CA_FILE names
    cert: Path  # the server certificate, for 127.0.0.1 and localhost
    key: Path
    other_ca: Path  # a CA that signed nothing here
    elsewhere_cert: Path  # signed by the test CA, but for mail.example.org only
    elsewhere_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(folder: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)


def _make_server_cert(folder: Path, name: str, alt_names: str) -> None:
    (folder / f"{name}.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={alt_names}\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid:always\n"
    )
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder)


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Certs:
    """A test CA and a server certificate it signed (for 127.0.0.1 and localhost), made with openssl."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command line tool is missing (Debian: apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    _make_ca(folder, "test-ca")
    _make_ca(folder, "other-ca")
    _make_server_cert(folder, "server", "IP:127.0.0.1,DNS:localhost")
    _make_server_cert(folder, "elsewhere", "DNS:mail.example.org")
    return Certs(ca=folder / "test-ca.pem", cert=folder / "server.pem", key=folder / "server.key",
                 other_ca=folder / "other-ca.pem",
                 elsewhere_cert=folder / "elsewhere.pem", elsewhere_key=folder / "elsewhere.key")


# ----------------------------------------------------------------------------- servers

class TLSRecorder:
    """An aiosmtpd server that keeps what it accepts and every login attempt, with whether it was encrypted."""

    def __init__(self, cert: Path, key: Path, *, mode: str):
        self.envelopes = []
        self.logins: list[tuple[str, str, bool]] = []  # (user, password, over TLS)
        self.port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs: dict = {"authenticator": self.authenticate, "auth_require_tls": True}
        if mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif mode == "implicit":
            # aiosmtpd counts only STARTTLS as TLS and would hide AUTH on a connection that is
            # encrypted from the first byte; authenticate() still records that it was.
            kwargs.update(ssl_context=context, auth_require_tls=False)
        elif mode == "plain":
            # A server that would take a password in clear text: the client must not offer one.
            kwargs.update(auth_require_tls=False)
        else:
            raise ValueError(mode)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((user, password, encrypted))
        if (user, password) == (USER, PASSWORD):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(env.content, policy=policy.default) for env in self.envelopes]


@pytest.fixture
def tls_server(certs):
    """Start an aiosmtpd server in a mode ("starttls", "implicit", "plain"), by default with the
    127.0.0.1 certificate; every one started is stopped after the test."""
    started = []

    def start(mode: str, *, cert: Path | None = None, key: Path | None = None) -> TLSRecorder:
        server = TLSRecorder(cert or certs.cert, key or certs.key, mode=mode)
        server.controller.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.controller.stop()


# ----------------------------------------------------------------------------- helpers

def queue(n: int = 1) -> list[OutboxMessage]:
    rows = [
        queue_email(to=f"reader{i}@example.org", subject=f"Hello {i}", template="login_link",
                    context={"event": {"name": "TLS Conf"}, "attendee": None,
                             "url": "http://eventnet.test/login/abc", "code": "123456", "minutes": 15},
                    kind="test")
        for i in range(n)
    ]
    db.session.commit()
    return rows


def row(row_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row_id)


def assert_paused(report, first: OutboxMessage, reason: str, reply: str) -> None:
    """Nothing sent, failed or retried; the outbox paused with `reason`, the relay's answer
    starting with `reply`; the email that met the refusal waits with it, its attempt unused."""
    assert (report.sent, report.retried, report.failed) == (0, 0, 0)
    assert report.paused is not None and report.paused.reason == reason
    assert report.paused.last_reply.startswith(reply), report.paused.last_reply
    waiting = row(first.id)
    assert (waiting.status, waiting.attempts, waiting.claimed_by) == ("pending", 0, None)
    assert waiting.last_error == f"waiting: {reason} ({report.paused.last_reply})"


# ----------------------------------------------------------------------------- STARTTLS

def test_starttls_logs_in_only_after_encrypting_and_delivers(app_factory, tls_server, certs):
    server = tls_server("starttls")
    app = app_factory(SMTP_URL=f"smtp://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=str(certs.ca))
    with app.app_context():
        first, second = queue(2)
        report = deliver_due()
        assert (report.sent, report.retried, report.failed) == (2, 0, 0)
        assert row(first.id).status == "sent" and row(second.id).status == "sent"
        assert row(first.id).last_error is None
        message_ids = [first.message_id, second.message_id]
    # One login for the batch, over TLS, with the password decoded from the URL.
    assert server.logins == [(USER, PASSWORD, True)]
    assert [m["Message-ID"] for m in server.messages()] == message_ids
    assert [env.rcpt_tos for env in server.envelopes] == [["reader0@example.org"], ["reader1@example.org"]]
    assert "123456" in server.messages()[0].get_body(("plain",)).get_content()


def test_wrong_password_waits_with_the_servers_reason(app_factory, tls_server, certs):
    server = tls_server("starttls")
    app = app_factory(SMTP_URL=f"smtp://{USER}:wrong@127.0.0.1:{server.port}", SMTP_CA_FILE=str(certs.ca))
    with app.app_context():
        first, second = queue(2)
        report = deliver_due()
        assert_paused(report, first, transports.LOGIN_REFUSED, "SMTP login refused: 535")
        assert (row(second.id).status, row(second.id).attempts, row(second.id).claimed_by) == ("pending", 0, None)
    assert server.envelopes == []
    # One connection's login, over TLS (smtplib tries PLAIN, then LOGIN): the refusal paused
    # the outbox instead of logging in again for every email.
    assert server.logins == [(USER, "wrong", True)] * 2


def test_no_starttls_means_no_password_and_the_mail_waits(app_factory, tls_server):
    server = tls_server("plain")
    # The server really would take a password in clear text: the refusal is the client's.
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as probe:
        probe.ehlo()
        assert probe.has_extn("auth") and not probe.has_extn("starttls")
    app = app_factory(SMTP_URL=f"smtp://{SMTP_USERINFO}@127.0.0.1:{server.port}")
    with app.app_context():
        [message] = queue()
        report = deliver_due()
        assert_paused(report, message, transports.NO_TLS,
                      "127.0.0.1 offers no TLS: refusing to send the SMTP password in clear text")
    assert server.logins == [] and server.envelopes == []


# ----------------------------------------------------------------------------- implicit TLS

def test_smtps_speaks_tls_from_the_first_byte(app_factory, tls_server, certs):
    server = tls_server("implicit")
    app = app_factory(SMTP_URL=f"smtps://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=str(certs.ca))
    with app.app_context():
        [message] = queue()
        assert deliver_due().sent == 1
        assert row(message.id).status == "sent"
        message_id = message.message_id
    assert server.logins == [(USER, PASSWORD, True)]
    [received] = server.messages()
    assert received["Message-ID"] == message_id and received["To"] == "reader0@example.org"


def test_smtps_to_a_server_without_tls_waits(app_factory, tls_server, certs):
    server = tls_server("plain")
    app = app_factory(SMTP_URL=f"smtps://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=str(certs.ca))
    with app.app_context():
        [message] = queue()
        assert_paused(deliver_due(), message, transports.TLS_FAILED, f"TLS with 127.0.0.1:{server.port} failed")
    assert server.logins == [] and server.envelopes == []


# ----------------------------------------------------------------------------- verification

@pytest.mark.parametrize("mode, scheme", [("starttls", "smtp"), ("implicit", "smtps")])
@pytest.mark.parametrize("trusted", ["other CA", "system CAs"])
def test_a_certificate_from_an_untrusted_ca_makes_mail_wait(app_factory, tls_server, certs, mode, scheme, trusted):
    server = tls_server(mode)
    ca_file = str(certs.other_ca) if trusted == "other CA" else ""
    app = app_factory(SMTP_URL=f"{scheme}://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=ca_file)
    with app.app_context():
        [message] = queue()
        report = deliver_due()
        assert_paused(report, message, transports.CERT_UNTRUSTED, f"TLS certificate of 127.0.0.1:{server.port} not trusted")
        assert "unable to get local issuer certificate" in report.paused.last_reply
    assert server.logins == [] and server.envelopes == []


def test_a_certificate_for_another_host_name_makes_mail_wait(app_factory, tls_server, certs):
    # Signed by the trusted CA, but for mail.example.org: anyone holding such a certificate
    # could otherwise stand in for our relay.
    server = tls_server("starttls", cert=certs.elsewhere_cert, key=certs.elsewhere_key)
    app = app_factory(SMTP_URL=f"smtp://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=str(certs.ca))
    with app.app_context():
        [message] = queue()
        report = deliver_due()
        assert_paused(report, message, transports.CERT_UNTRUSTED, f"TLS certificate of 127.0.0.1:{server.port} not trusted")
        assert "mismatch" in report.paused.last_reply.lower()
    assert server.logins == [] and server.envelopes == []


def test_an_unreadable_ca_file_is_reported(app_factory, tls_server, tmp_path):
    server = tls_server("starttls")
    missing = tmp_path / "no-such-ca.pem"
    app = app_factory(SMTP_URL=f"smtp://{SMTP_USERINFO}@127.0.0.1:{server.port}", SMTP_CA_FILE=str(missing))
    with app.app_context():
        [message] = queue()
        assert_paused(deliver_due(), message, transports.CA_FILE_UNREADABLE, f"cannot load SMTP_CA_FILE {missing}")
    assert server.logins == [] and server.envelopes == []


def test_smtp_ca_file_comes_from_the_environment(tmp_path):
    config = load_config(str(tmp_path), {"EVENTNET_ENV": "development", "SMTP_URL": "smtp://h:587",
                                         "SMTP_CA_FILE": " /etc/eventnet/relay-ca.pem "})
    assert config["SMTP_CA_FILE"] == "/etc/eventnet/relay-ca.pem"
    assert load_config(str(tmp_path), {"EVENTNET_ENV": "development"})["SMTP_CA_FILE"] == ""


def test_flask_mail_send_trusts_the_configured_ca(app_factory, tls_server, certs, monkeypatch):
    # The sender process reads its settings from the environment, as under the Procfile.
    server = tls_server("starttls")
    monkeypatch.setenv("SMTP_URL", f"smtp://{SMTP_USERINFO}@127.0.0.1:{server.port}")
    monkeypatch.setenv("SMTP_CA_FILE", str(certs.ca))
    app = app_factory()
    assert app.config["SMTP_CA_FILE"] == str(certs.ca)
    with app.app_context():
        message_id = queue()[0].message_id
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, to retry later 0, failed 0" in result.output
    assert server.logins == [(USER, PASSWORD, True)]
    assert [m["Message-ID"] for m in server.messages()] == [message_id]
