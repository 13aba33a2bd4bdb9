"""`flask mail ...`: send what the outbox holds, once (cron) or as a long-running worker."""
from __future__ import annotations

import signal
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from .. import database_errors
from ..extensions import db
from ..i18n.markers import N_
from . import relay, services

cli = AppGroup("mail", help=N_("Send what the outbox holds: once (for cron) or as a long-running worker."))

# An outbox row's status as the command line names it (the stored value stays English).
STATUS = {"pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed"),
          "cancelled": N_("cancelled")}


@cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=None, help=N_("Send at most this many, then stop."))
def send_command(limit: int | None) -> None:
    """Send every email that is due, once, and exit (for cron).

    Emails wait in the outbox table until a sender delivers them: through SMTP_URL when it is
    set, otherwise into the development mailbox (MAILBOX_PATH, shown at /dev/mail/).
    Safe to run while other senders run: each email is claimed by one sender only.
    Failed deliveries that may succeed later (4xx, a lost connection) are retried with growing
    delays for about two days; refused ones (5xx) are marked failed with the server's reason.
    A mail server that refuses us rather than an email (wrong login, TLS required, relaying
    denied, unreachable) pauses the outbox instead: nothing fails, and the emails go out once
    it takes them again (the organizer's dashboard says so meanwhile).
    One email or one event that cannot be built is logged and retried later; the others go on,
    and the command exits 0 when it did its work, whatever some emails did.
    Digests and reminders whose time has come are created first (see `flask digests`).

    \b
    Example crontab line, every minute:
      * * * * *  cd /srv/eventnet && flask mail send
    """
    services.run_producers()
    report = services.deliver_due(limit)
    counts = services.outbox_counts()
    click.echo(_("sent %(sent)s, to retry later %(retried)s, failed %(failed)s", sent=report.sent,
                 retried=report.retried, failed=report.failed))
    click.echo(_("outbox now: %(counts)s", counts=", ".join(f"{counts.get(s, 0)} {_(STATUS[s])}" for s in STATUS)))
    if report.paused is not None:
        click.echo(relay.describe(report.paused))



def _log_round_failure(what: str, error: Exception) -> None:
    """A round that failed: one line (and no traceback) when the database cannot answer now,
    which database_health already reports once per outage; a traceback for anything else."""
    not_now = database_errors.classify(error)
    if not_now is not None:
        current_app.logger.warning("mail worker: %s waits, the database %s: %s", what,
                                   "is unreachable" if not_now[0] == "unreachable" else "is busy", not_now[1])
    else:
        current_app.logger.exception("mail worker: %s failed", what)

@cli.command("worker")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help=N_("Seconds to wait between looks at the outbox."))
@click.option("--schedule-every", type=click.FloatRange(min=0.05), default=15.0, show_default=True,
              help=N_("Seconds between looks for digests and reminders that have come due."))
def worker_command(interval: float, schedule_every: float) -> None:
    """Keep sending emails as they become due, until stopped (Ctrl-C or SIGTERM).

    The long-running alternative to `flask mail send` from cron; the Procfile's `worker`
    process. It also creates the follow-up digests and reminders when their time comes.
    Several workers may run at once. On SIGTERM or SIGINT the worker finishes the
    email it is sending, hands the rest of its batch back for another sender to take at
    once, and exits: within the time one email takes, well inside a platform's grace period.
    """
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(_("mail worker started; delivering via SMTP") if current_app.config["SMTP_URL"]
               else _("mail worker started; delivering into the local mailbox"))
    next_schedule = 0.0
    # One connection to the relay serves round after round while there is mail; it is closed
    # when a round finds nothing (a relay drops idle connections; the transport reconnects).
    transport = services.make_transport()
    try:
        while not stop.is_set():
            busy = False
            if time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + schedule_every
                try:
                    for created in services.run_producers():
                        for what, count in (created or {}).items():
                            click.echo(_("queued %(count)s for %(what)s", count=count, what=what))
                except Exception as error:
                    _log_round_failure("creating due digests", error)
                    db.session.rollback()
            try:
                # A batch at a time, so that due digests are looked for between batches; a stop
                # request is looked at between emails.
                report = services.deliver_due(limit=services.BATCH, stop=stop, transport=transport)
            except Exception as error:
                # A database or network hiccup must not kill the worker; it tries again shortly.
                _log_round_failure("sending", error)
                db.session.rollback()
                transport.close()
            else:
                busy = bool(report.sent or report.retried or report.failed or report.cancelled)
                if busy:
                    click.echo(_("sent %(sent)s, to retry later %(retried)s, failed %(failed)s", sent=report.sent,
                                 retried=report.retried, failed=report.failed))
            finally:
                db.session.remove()
            if not busy:
                transport.close()
                stop.wait(interval)
    finally:
        transport.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(_("mail worker stopped"))
