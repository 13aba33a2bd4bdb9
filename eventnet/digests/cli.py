"""`flask digests ...`: create due digests and send them from cron, start one now, see where it stands."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ..events.models import Event
from ..extensions import db
from ..i18n.formats import format_moment
from ..i18n.markers import N_
from ..mail.cli import STATUS
from ..mail.relay import describe as describe_pause
from ..mail.services import deliver_due
from . import services


cli = AppGroup("digests", help=N_("The follow-up digests and reminders: create what is due, start now, pause, see where they stand."))


def _event(slug: str) -> Event:
    event = db.session.execute(db.select(Event).filter_by(slug=slug.strip().lower())).scalar_one_or_none()
    if event is None:
        raise click.ClickException(_("There is no event with the slug %(slug)s (see %(command)s).", slug=repr(slug),
                                     command="`flask events list`"))
    return event


@cli.command("run")
@click.option("--no-send", is_flag=True, help=N_("Only create the rows that are due; leave sending to a worker."))
def run_command(no_send: bool) -> None:
    """Create the digests and reminders that are due, then send every email that is due, once.

    For cron, when no `flask mail worker` runs (the worker does the same on its own). Each
    attendee gets one digest per event, however often this runs or how many run at once.

    \b
    Example crontab line, every minute:
      * * * * *  cd /srv/eventnet && flask digests run
    """
    created = services.queue_due()
    for what, count in created.items():
        click.echo(_("queued %(count)s for %(what)s", count=count, what=what))
    if not created:
        click.echo(_("no digest or reminder is due"))
    if not no_send:
        report = deliver_due()
        click.echo(_("sent %(sent)s, to retry later %(retried)s, failed %(failed)s, not sent on purpose %(cancelled)s",
                     sent=report.sent, retried=report.retried, failed=report.failed, cancelled=report.cancelled))
        if report.paused is not None:
            click.echo(describe_pause(report.paused))


@cli.command("queue")
@click.argument("slug")
def queue_command(slug: str) -> None:
    """Create the digest of every attendee of the event now, without waiting for its digest time.

    Attendees who already have theirs are skipped; the sender sends the new ones.
    """
    event = _event(slug)
    count = services.queue_digests(event)
    if event.digests_paused:
        click.echo(ngettext("queued %(num)s digest for %(slug)s (paused: resume to send it)",
                            "queued %(num)s digests for %(slug)s (paused: resume to send them)", count, slug=event.slug))
    else:
        click.echo(ngettext("queued %(num)s digest for %(slug)s", "queued %(num)s digests for %(slug)s", count,
                            slug=event.slug))


@cli.command("status")
@click.argument("slug")
def status_command(slug: str) -> None:
    """When the event's digest and reminders go out, and how many were sent, are pending or failed."""
    event = _event(slug)
    schedule = services.digest_schedule(event)
    fmt = "%a %d %b %Y %H:%M"
    when = format_moment(event.local(schedule.digest_at), fmt)
    line = _("digest: %(when)s %(zone)s", when=when, zone=event.timezone)
    if schedule.is_default:
        line += " " + _("(default)")
    if schedule.paused:
        line += "  " + _("PAUSED")
    click.echo(line)
    queued = (_("queued %(count)s at %(when)s UTC", count=schedule.queued_count, when=format_moment(schedule.queued_at, fmt))
              if schedule.queued_at else _("queued: not yet"))
    click.echo("  " + _("%(queued)s; would go to %(count)s attendees now", queued=queued, count=schedule.recipients))
    click.echo("  " + ", ".join(f"{n} {_(STATUS.get(status, status))}" for status, n in schedule.counts.items()))
    for slot in schedule.reminders:
        state = _("queued %(count)s", count=slot.count) if slot.queued_at else _("not yet")
        if slot.skipped:
            state = _("skipped: %(reason)s", reason=slot.skipped)
        click.echo(ngettext("reminder after %(num)s day: %(when)s, %(state)s", "reminder after %(num)s days: %(when)s, %(state)s",
                            slot.days, when=format_moment(event.local(slot.due_at), fmt), state=state))
    if schedule.reminders:
        click.echo("  " + ", ".join(f"{n} {_(STATUS.get(status, status))}" for status, n in schedule.reminder_counts.items()))


@cli.command("pause")
@click.argument("slug")
def pause_command(slug: str) -> None:
    """Hold the event's digests and reminders: nothing is created or sent until `resume`."""
    services.pause_digests(_event(slug))
    click.echo(_("paused"))


@cli.command("resume")
@click.argument("slug")
def resume_command(slug: str) -> None:
    """Let the event's digests and reminders go out again."""
    services.resume_digests(_event(slug))
    click.echo(_("resumed"))
