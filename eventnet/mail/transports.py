"""Transports: how a built email leaves this machine (SMTP in production, a Maildir in development).

A transport's `send(msg)` returns when the server took the message, or raises one of three
errors, which say whose problem the failure is (the sender acts on that, eventnet.mail.sender):

- TemporaryFailure: this message, worth another try later (the attempt counts, with backoff);
- PermanentFailure: this message, refused for good (the row fails with the server's reason);
- RelayUnavailable: not this message but us: the relay cannot be reached, or refuses our
  connection, login or sender address. The sender pauses the whole outbox (eventnet.mail.relay)
  and charges nothing to the message. SMTPTransport.send documents how the two are told apart.
"""
from __future__ import annotations

import mailbox
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app

SMTP_TIMEOUT = 30.0  # seconds one socket operation may take (connect, each answer); MAIL_SMTP_TIMEOUT_SECONDS
QUIT_TIMEOUT = 2.0  # seconds to wait for the answer to QUIT: closing must never hold up a stopping sender

# What the organizer's dashboard says about a paused outbox, in plain words; the relay's own
# answer (or the network error) is kept beside it for whoever runs the deployment.
UNREACHABLE = "the mail server cannot be reached"
STALLED = "the mail server stopped answering"
CLOSED = "the mail server closed the connection before taking any email"
TLS_FAILED = "the encrypted connection to the mail server failed"
CERT_UNTRUSTED = "the mail server's certificate is not trusted"
CA_FILE_UNREADABLE = "the mail server's CA file (SMTP_CA_FILE) cannot be read"
NO_TLS = "the mail server offers no encryption, so our password is not sent to it"
LOGIN_REFUSED = "the mail server refused our login"
LOGIN_REQUIRED = "the mail server wants a login or encryption first"
SENDER_REFUSED = "the mail server refused our sender address"
NOT_TAKING = "the mail server is not taking mail right now"
SETUP_REFUSED = "the mail server refused to set up the connection"


class DeliveryError(Exception):
    """A transport could not deliver a message; the subclass says whose problem it is."""


class TemporaryFailure(DeliveryError):
    """This message is worth another try later: a 4xx answer to it, or a connection lost under it."""


class PermanentFailure(DeliveryError):
    """The relay refused this message for good (a 5xx answer to its recipient or its content)."""


class RelayUnavailable(DeliveryError):
    """The relay refuses us, not this message, or cannot be reached: the outbox pauses.

    `reason`: plain words for the organizer (one of the constants above); `reply`: what the relay
    answered ("535 5.7.8 Authentication failed") or the network error, for the operator;
    `attempted`: the message's content had already gone out (the relay stalled after DATA), so
    it may have been delivered and counts as an attempt.
    """

    def __init__(self, reason: str, reply: str, *, attempted: bool = False) -> None:
        super().__init__(f"{reason}: {reply}")
        self.reason = reason
        self.reply = reply[:500]
        self.attempted = attempted


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

    def probe(self) -> None:
        """Nothing to ask: a Maildir never refuses us."""

    def close(self) -> None:
        self.box = None


class _Stages:
    """Mixed into smtplib's classes: remembers which command of the transaction is under way.

    smtplib raises the same SMTPServerDisconnected whether a connection died before MAIL FROM
    (nothing of the message reached the relay) or after the message's content (it may have been
    delivered); the stage tells the two apart.
    """

    stage = "idle"

    def mail(self, sender, options=()):
        self.stage = "mail"
        return super().mail(sender, options)

    def rcpt(self, recip, options=()):
        self.stage = "rcpt"
        return super().rcpt(recip, options)

    def data(self, msg):
        self.stage = "data"
        return super().data(msg)


class _SMTP(_Stages, smtplib.SMTP):
    pass


class _SMTP_SSL(_Stages, smtplib.SMTP_SSL):
    pass


class _ClosedBeforeTransaction(Exception):
    """The connection was found closed before the relay took anything of this message."""


class SMTPTransport:
    """SMTP from a URL: smtp:// (STARTTLS when offered), smtps:// (TLS from the first byte).

    One connection serves a whole batch, and a new one is opened when the relay closed it.
    Credentials are never sent over an unencrypted connection: a server without STARTTLS gets no
    password and the outbox waits. The server's certificate is always verified, against the
    system's CAs or, when `ca_file` is given (the SMTP_CA_FILE setting, for a relay with a
    private CA), against the CAs in that file only. Every socket operation gives up after
    `timeout` seconds, so a stalled relay costs one timeout, not a sender.
    """

    def __init__(self, url: str, mail_from: str, ca_file: str | None = None, timeout: float = SMTP_TIMEOUT) -> None:
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
        self.timeout = timeout
        self.conn: _SMTP | _SMTP_SSL | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _tls_context(self) -> ssl.SSLContext:
        # create_default_context verifies the chain and the host name; nothing here loosens it.
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ValueError) as exc:
            raise RelayUnavailable(CA_FILE_UNREADABLE, f"cannot load SMTP_CA_FILE {self.ca_file}: {exc}") from exc

    def _connect(self) -> _SMTP | _SMTP_SSL:
        """A connection ready for a transaction: greeted, encrypted when possible, logged in.

        Raises RelayUnavailable whatever goes wrong: nothing here depends on a message.
        """
        context = self._tls_context()
        conn: _SMTP | _SMTP_SSL | None = None
        try:
            if self.implicit_tls:
                conn = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
                encrypted = True
            else:
                conn = _SMTP(self.host, self.port, timeout=self.timeout)
                encrypted = False
                conn.ehlo()
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
                    encrypted = True
            if self.username:
                if not encrypted:
                    raise RelayUnavailable(NO_TLS, f"{self.host} offers no TLS: refusing to send the SMTP password in clear text")
                conn.login(self.username, self.password or "")
            return conn
        except BaseException as exc:
            # The connection is not ours to keep yet (send() only drops self.conn): close it
            # here, or a failed STARTTLS or login leaks the socket.
            if conn is not None:
                conn.close()
            if isinstance(exc, Exception) and not isinstance(exc, RelayUnavailable):
                raise self._setup_failed(exc) from exc
            raise

    def _setup_failed(self, exc: Exception) -> RelayUnavailable:
        """What a failure to connect, greet, encrypt or log in says about the relay."""
        if _caused_by(exc, ssl.SSLCertVerificationError):
            # A certificate we cannot verify may be an attacker in the path, or a relay with a
            # private CA not named in SMTP_CA_FILE: either way nothing is sent, and it says why.
            cert_error = _caused_by(exc, ssl.SSLCertVerificationError)
            return RelayUnavailable(CERT_UNTRUSTED, f"TLS certificate of {self.where} not trusted: "
                                                    f"{cert_error.verify_message or cert_error}")
        if _caused_by(exc, ssl.SSLError):
            return RelayUnavailable(TLS_FAILED, f"TLS with {self.where} failed: {exc}")
        if _caused_by(exc, TimeoutError):
            return RelayUnavailable(STALLED, f"no answer from {self.where} within {self.timeout:g} s")
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            # RFC 4954 section 6: 535 (credentials invalid), 534, 538: SMTP_URL's account is wrong.
            return RelayUnavailable(LOGIN_REFUSED, f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}")
        if isinstance(exc, smtplib.SMTPResponseException):
            # A greeting other than 220 (RFC 5321 section 3.1: 554 "no SMTP service here", 421),
            # a refused STARTTLS (RFC 3207: 454), an unusable AUTH: the relay turns us away.
            reason = NOT_TAKING if exc.smtp_code == 421 else SETUP_REFUSED
            return RelayUnavailable(reason, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return RelayUnavailable(CLOSED, f"{self.where}: {exc}")
        if isinstance(exc, smtplib.SMTPException):
            return RelayUnavailable(SETUP_REFUSED, f"{self.where}: {exc}")
        if isinstance(exc, OSError):
            return RelayUnavailable(UNREACHABLE, f"{self.where}: {exc}")
        return RelayUnavailable(SETUP_REFUSED, f"{self.where}: {type(exc).__name__}: {exc}")

    def send(self, msg: EmailMessage) -> None:
        """Hand `msg` to the relay for its To address; raises TemporaryFailure, PermanentFailure or RelayUnavailable.

        Whose problem a failure is follows from where in the dialogue it happens (RFC 5321
        section 3.3: MAIL FROM opens a transaction for one sender, each RCPT TO names one
        recipient, DATA carries the content):

        - Before any transaction (connect, greeting, EHLO, STARTTLS, AUTH) and at MAIL FROM,
          which carries only our envelope sender, the same for every message, a refusal is
          about us: RelayUnavailable ("530 Must issue a STARTTLS command first", RFC 3207
          section 4; "550 relaying denied"; 421 "service not available", RFC 5321 section 3.8).
          Except the SIZE extension's answers at MAIL FROM (RFC 1870 section 6), which are
          about this message's size: 552 "exceeds fixed maximum" permanent, 452 temporary.
        - At RCPT TO and DATA a refusal is about this recipient or this content, by the first
          digit (RFC 5321 section 4.2.1): 4xx temporary, 5xx permanent. A 421 (the relay is
          closing the channel, section 3.8) is temporary for this message and the next one
          gets a new connection. A 530 anywhere is about us: RFC 4954 section 6 lets a server
          answer "authentication required" to any command.
        - A connection found closed at MAIL FROM after serving earlier messages (the relay's
          idle timeout or per-connection limit) had taken nothing of this one: it goes again at
          once over a new connection. Lost at RCPT TO: temporary. Lost after the content went
          out: temporary too, and the retry may duplicate it, the window the design accepts
          ("a duplicate only when a crash falls between the server's acceptance and our commit").
        - No answer within the timeout: the relay has stalled, RelayUnavailable; the message
          counts as attempted when its content had gone out.
        """
        recipient = msg["To"].addresses[0].addr_spec
        for second_try in (False, True):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = self._connect()
            try:
                self._transaction(self.conn, msg, recipient)
                return
            except _ClosedBeforeTransaction as exc:
                if reused and not second_try:
                    continue
                raise RelayUnavailable(CLOSED, f"{self.where}: {exc}") from exc

    def probe(self) -> None:
        """Whether the relay takes mail from us, without sending any: connect, log in, MAIL FROM
        and RSET (RFC 5321 section 4.1.1.5: RSET abandons the transaction). Raises RelayUnavailable
        (see send()); returns when the relay would take our mail."""
        if self.conn is None:
            self.conn = self._connect()
        conn = self.conn
        try:
            code, text = conn.mail(self.envelope_from)
            if code != 250:
                refusal = self._refused("mail", code, text)
                if isinstance(refusal, RelayUnavailable):
                    raise refusal
            conn.rset()
        except OSError as exc:
            self._drop()
            if _caused_by(exc, TimeoutError):
                raise RelayUnavailable(STALLED, f"no answer from {self.where} within {self.timeout:g} s (at MAIL)") from exc
            raise RelayUnavailable(CLOSED, f"{self.where}: {exc}") from exc
        if conn.sock is None:  # smtplib closes after a 421
            self._drop()

    def _transaction(self, conn: _SMTP | _SMTP_SSL, msg: EmailMessage, recipient: str) -> None:
        conn.stage = "idle"
        try:
            conn.send_message(msg, from_addr=self.envelope_from, to_addrs=[recipient])
        except smtplib.SMTPSenderRefused as exc:
            self._after_refusal()
            raise self._refused("mail", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._after_refusal()
            raise self._refused("rcpt", code, text) from exc
        except smtplib.SMTPDataError as exc:
            self._after_refusal()
            raise self._refused("data", exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # An address that needs SMTPUTF8 (RFC 6531) and a relay without it: this relay can
            # never take this message, and the others are unaffected.
            raise PermanentFailure(f"{recipient}: the part before the @ is not plain ASCII, and the mail "
                                   "server does not accept such addresses (it does not offer SMTPUTF8)") from exc
        except OSError as exc:  # SMTPServerDisconnected, a reset, a TLS error, a timeout
            stage = conn.stage
            self._drop()
            if _caused_by(exc, TimeoutError):
                raise RelayUnavailable(STALLED, f"no answer from {self.where} within {self.timeout:g} s "
                                                f"(at {stage.upper()})", attempted=stage == "data") from exc
            if stage in ("idle", "mail"):
                raise _ClosedBeforeTransaction(str(exc)) from exc
            if stage == "rcpt":
                raise TemporaryFailure(f"connection lost at RCPT TO: {exc}") from exc
            raise TemporaryFailure("connection lost after the message was sent, before the server's answer "
                                   f"(it may have been delivered): {exc}") from exc

    def _refused(self, stage: str, code: int, text: bytes | str) -> DeliveryError:
        """The error for a refusal `code` at `stage` ("mail", "rcpt", "data"); see send()."""
        reply = f"{code} {_text(text)}"
        if code == 530:
            return RelayUnavailable(LOGIN_REQUIRED, reply)
        if stage == "mail":
            if code == 552:
                return PermanentFailure(reply)
            if code == 452:
                return TemporaryFailure(reply)
            return RelayUnavailable(NOT_TAKING if code == 421 else SENDER_REFUSED, reply)
        if 500 <= code < 600:
            return PermanentFailure(reply)
        # 4xx, and a reply smtplib could not read a code from (-1): nothing says it is final.
        return TemporaryFailure(reply)

    def _after_refusal(self) -> None:
        # smtplib answers a refusal with RSET, or closes its socket after a 421 or a lost
        # connection: a closed one must not be reused ("please run connect() first").
        if self.conn is not None and self.conn.sock is None:
            self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        """Say QUIT and close, waiting at most QUIT_TIMEOUT seconds for the relay's answer."""
        if self.conn is not None:
            try:
                if self.conn.sock is not None:
                    self.conn.sock.settimeout(min(self.timeout, QUIT_TIMEOUT))
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


def _caused_by(exc: BaseException, kind: type[BaseException]):
    """`exc` or the first exception of `kind` it was raised from or during (smtplib wraps them)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def make_transport() -> SMTPTransport | MaildirTransport:
    """SMTP when SMTP_URL is set, otherwise the development Maildir."""
    config = current_app.config
    if config.get("SMTP_URL"):
        return SMTPTransport(config["SMTP_URL"], config["MAIL_FROM"], ca_file=config.get("SMTP_CA_FILE"),
                             timeout=float(config.get("MAIL_SMTP_TIMEOUT_SECONDS") or SMTP_TIMEOUT))
    return MaildirTransport(config["MAILBOX_PATH"])
