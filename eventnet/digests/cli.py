"""`flask digests ...`: create due digests and send them from cron, start one now, see where it stands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..events.models import Event
from ..extensions import db
from ..mail.relay import describe as describe_pause
from ..mail.services import deliver_due
from . import services


cli = AppGroup("digests", help="The follow-up digests and reminders: create what is due, start now, pause, see where they stand.")


def _event(slug: str) -> Event:
    event = db.session.execute(db.select(Event).filter_by(slug=slug.strip().lower())).scalar_one_or_none()
    if event is None:
        raise click.ClickException(f"There is no event with the slug {slug!r} (see `flask events list`).")
    return event


@cli.command("run")
@click.option("--no-send", is_flag=True, help="Only create the rows that are due; leave sending to a worker.")
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
        click.echo(f"queued {count} for {what}")
    if not created:
        click.echo("no digest or reminder is due")
    if not no_send:
        report = deliver_due()
        click.echo(f"sent {report.sent}, to retry later {report.retried}, failed {report.failed}, "
                   f"not sent on purpose {report.cancelled}")
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
    click.echo(f"queued {count} digests for {event.slug}" + (" (paused: resume to send them)" if event.digests_paused else ""))


@cli.command("status")
@click.argument("slug")
def status_command(slug: str) -> None:
    """When the event's digest and reminders go out, and how many were sent, are pending or failed."""
    event = _event(slug)
    schedule = services.digest_schedule(event)
    when = event.local(schedule.digest_at).strftime("%Y-%m-%d %H:%M")
    click.echo(f"digest: {when} {event.timezone}{' (default)' if schedule.is_default else ''}"
               f"{'  PAUSED' if schedule.paused else ''}")
    click.echo("  queued " + (f"{schedule.queued_count} at {schedule.queued_at:%Y-%m-%d %H:%M} UTC" if schedule.queued_at else "not yet")
               + f"; would go to {schedule.recipients} attendees now")
    click.echo("  " + ", ".join(f"{n} {status}" for status, n in schedule.counts.items()))
    for slot in schedule.reminders:
        state = f"queued {slot.count}" if slot.queued_at else "not yet"
        if slot.skipped:
            state = f"skipped: {slot.skipped}"
        click.echo(f"reminder after {slot.days} days: {event.local(slot.due_at):%Y-%m-%d %H:%M}, {state}")
    if schedule.reminders:
        click.echo("  " + ", ".join(f"{n} {status}" for status, n in schedule.reminder_counts.items()))


@cli.command("pause")
@click.argument("slug")
def pause_command(slug: str) -> None:
    """Hold the event's digests and reminders: nothing is created or sent until `resume`."""
    services.pause_digests(_event(slug))
    click.echo("paused")


@cli.command("resume")
@click.argument("slug")
def resume_command(slug: str) -> None:
    """Let the event's digests and reminders go out again."""
    services.resume_digests(_event(slug))
    click.echo("resumed")
