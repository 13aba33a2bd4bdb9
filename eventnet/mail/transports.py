"""Transports: how a built email leaves this machine (SMTP in production, a Maildir in development)."""
from __future__ import annotations

import mailbox
import os
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app

SMTP_TIMEOUT = 30


class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx answer, a dropped connection, a misconfigured server."""


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying would not help."""


class MaildirTransport:
    """Development delivery: each message becomes a file in a local Maildir."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None

    def send(self, msg: EmailMessage) -> None:
        try:
            if self.box is None:
                # Maildir(create=True) races with a second sender creating it at the same
                # moment (it sees the folder and skips tmp/new/cur); makedirs does not.
                for sub in ("tmp", "new", "cur"):
                    os.makedirs(os.path.join(self.path, sub), mode=0o700, exist_ok=True)
                self.box = mailbox.Maildir(self.path, create=False)
            self.box.add(msg.as_bytes())
        except OSError as exc:  # a full or unwritable disk is worth another try later
            raise TemporaryFailure(f"cannot write to {self.path}: {exc}") from exc

    def close(self) -> None:
        self.box = None


class SMTPTransport:
    """SMTP from a URL: smtp:// (STARTTLS when offered), smtps:// (TLS from the first byte).

    One connection serves a whole batch. Credentials are never sent over an unencrypted
    connection: a server without STARTTLS gets no password and the batch waits. The server's
    certificate is always verified, against the system's CAs or, when `ca_file` is given (the
    SMTP_CA_FILE setting, for a relay with a private CA), against the CAs in that file only.
    """

    def __init__(self, url: str, mail_from: str, ca_file: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.envelope_from = parseaddr(mail_from)[1]
        self.ca_file = ca_file or None
        self.conn: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        # create_default_context verifies the chain and the host name; nothing here loosens it.
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ValueError) as exc:
            raise TemporaryFailure(f"cannot load SMTP_CA_FILE {self.ca_file}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        context = self._tls_context()
        if self.implicit_tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
            encrypted = True
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            encrypted = False
        try:
            if not encrypted:
                conn.ehlo()
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
                    encrypted = True
            if self.username:
                if not encrypted:
                    raise TemporaryFailure(
                        f"{self.host} offers no TLS: refusing to send the SMTP password in clear text"
                    )
                conn.login(self.username, self.password or "")
        except BaseException:
            # The connection is not ours to keep yet (send() only drops self.conn): close it
            # here, or a failed STARTTLS or login leaks the socket.
            conn.close()
            raise
        return conn

    def send(self, msg: EmailMessage) -> None:
        try:
            if self.conn is None:
                self.conn = self._connect()
            self.conn.send_message(msg, from_addr=self.envelope_from, to_addrs=[msg["To"].addresses[0].addr_spec])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._raise_for(code, text)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._reset_after_refusal()
            self._raise_for(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the deployment's fault, not the message's: keep it for later.
            self._drop()
            raise TemporaryFailure(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except ssl.SSLCertVerificationError as exc:
            # A certificate we cannot verify may be an attacker in the path, or a relay with a
            # private CA not named in SMTP_CA_FILE: either way nothing is sent, and it says why.
            self._drop()
            raise TemporaryFailure(
                f"TLS certificate of {self.host}:{self.port} not trusted: {exc.verify_message or exc}"
            ) from exc
        except ssl.SSLError as exc:
            self._drop()
            raise TemporaryFailure(f"TLS with {self.host}:{self.port} failed: {exc}") from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self._drop()
            raise TemporaryFailure(f"SMTP connection problem: {exc}") from exc

    @staticmethod
    def _raise_for(code: int, text: bytes | str) -> None:
        reason = f"{code} {_text(text)}"
        if 400 <= code < 500:
            raise TemporaryFailure(reason)
        raise PermanentFailure(reason)

    def _reset_after_refusal(self) -> None:
        # After a refused transaction the connection is still good; RSET starts afresh.
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def make_transport():
    """SMTP when SMTP_URL is set, otherwise the development Maildir."""
    config = current_app.config
    if config.get("SMTP_URL"):
        return SMTPTransport(config["SMTP_URL"], config["MAIL_FROM"], ca_file=config.get("SMTP_CA_FILE"))
    return MaildirTransport(config["MAILBOX_PATH"])


