"""`flask attendees ...`: import attendee lists, and help-desk actions for one attendee."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..auth.services import create_login_link
from ..badges.services import badge_url, reissue_badge
from ..events.models import Event
from ..extensions import db
from ..mail.services import absolute_url
from .email_change import EmailChangeError, change_by_operator
from .importer import MAX_BYTES, CSVError, ImportReport, ParsedCSV, import_rows, parse_csv
from .models import Attendee
from .services import find_by_email

cli = AppGroup("attendees", help="Import attendees and help one attendee at the help desk.")


def event_or_fail(slug: str) -> Event:
    """The event with this slug, or a command-line error that lists the known ones."""
    event = db.session.execute(db.select(Event).filter_by(slug=slug.strip().lower())).scalar_one_or_none()
    if event is None:
        known = db.session.execute(db.select(Event.slug).order_by(Event.slug)).scalars().all()
        hint = f" Known events: {', '.join(known)}." if known else " There are no events yet (flask events create --help)."
        raise click.ClickException(f"No event with the slug {slug!r}.{hint}")
    return event


def attendee_or_fail(event: Event, email: str) -> Attendee:
    """The attendee of this event with this email (any case), or a command-line error."""
    attendee = find_by_email(event, email)
    if attendee is None:
        raise click.ClickException(f"No attendee with the email {email!r} in {event.slug!r}.")
    return attendee


def _print_rows(title: str, rows, with_reasons: bool = False) -> None:
    if not rows:
        return
    click.echo(f"{title} ({len(rows)}):")
    for r in rows:
        who = f"{r.email or '(no email)'}  {r.name or '(no name)'}"
        line = f"  row {r.row:>5}  {who}"
        if with_reasons:
            line += "  -> " + "; ".join(r.reasons)
        click.echo(line)


def print_report(parsed: ParsedCSV, report: ImportReport) -> None:
    """The created / updated / rejected rows, each with its row number, then the totals."""
    _print_rows("Would create" if report.dry_run else "Created", report.created)
    _print_rows("Would update" if report.dry_run else "Updated", report.updated)
    _print_rows("Rejected", report.rejected, with_reasons=True)
    click.echo(
        f"Totals: {len(report.created)} {'to create' if report.dry_run else 'created'}, "
        f"{len(report.updated)} {'to update' if report.dry_run else 'updated'}, "
        f"{len(report.rejected)} rejected, of {len(parsed.rows)} rows."
    )


@cli.command("import")
@click.argument("event_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; save nothing.")
def import_command(event_slug: str, file: Path, dry_run: bool) -> None:
    """Create or update the attendees of an event from a CSV file.

    \b
    The first row names the columns (any case; a few common names work):
      email     required  (also: E-mail, Email address)
      name      required  (also: Full name)
      company   optional  (also: Organisation, Organization)
      headline  optional  (also: Title, Job title)
      role      optional  attendee or organizer
    Other columns are ignored. Comma or semicolon separated; UTF-8 (with or without
    BOM), UTF-16 with BOM, or a legacy code page such as Excel's Windows-1252.

    The email is the key: importing a fixed file again updates people instead of adding
    them twice, and an empty optional cell keeps what the person already has. Valid rows
    are saved together even when others are rejected; the report names each rejected
    row (as your spreadsheet numbers it) and why. The exit status is 1 if any row was
    rejected.
    """
    event = event_or_fail(event_slug)
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(
            f"{file.name} is larger than {MAX_BYTES // 1024 // 1024} MB: split it into smaller files."
        )
    try:
        parsed = parse_csv(file.read_bytes())
    except CSVError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    columns = ", ".join(f"{name} ({header!r})" for name, header in parsed.columns.items())
    click.echo(f"Importing {file.name} into {event.name!r} ({event.slug}): {len(parsed.rows)} rows.")
    click.echo(f"Columns: {columns}" + (f"; ignored: {', '.join(parsed.ignored)}" if parsed.ignored else ""))
    report = import_rows(event, parsed, dry_run=dry_run)
    print_report(parsed, report)
    if dry_run:
        click.echo("Dry run: nothing was saved.")
    if not report.ok:
        click.echo(
            f"{len(report.rejected)} rows were rejected: fix them and import the file again "
            "(people already imported are updated, never added twice).",
            err=True,
        )
        raise SystemExit(1)


@cli.command("login-url")
@click.argument("event_slug")
@click.argument("email")
def login_url_command(event_slug: str, email: str) -> None:
    """Print a one-time login link and code for one attendee (help desk).

    Give the link or the code to the person in front of you, not by email to anyone
    else: whoever opens it is logged in as that attendee. It works once and expires.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, email)
    link = create_login_link(attendee, origin="helpdesk")
    db.session.commit()
    click.echo(f"Login for {attendee.name} <{attendee.email}> at {event.name}:")
    click.echo(f"  URL:  {link.url}")
    click.echo(f"  Code: {link.code}  (typed with the email at {absolute_url('auth.code', slug=event.slug)})")
    click.echo(f"  Works once, until {event.local(link.expires_at).strftime('%a %d %b %H:%M')} ({event.timezone}).")


@cli.command("reissue-badge")
@click.argument("event_slug")
@click.argument("email")
def reissue_badge_command(event_slug: str, email: str) -> None:
    """Give an attendee a new badge (lost badge): the old QR stops working.

    Prints the new badge URL; print the new badge, and the person's contacts and
    profile stay as they are.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, email)
    reissue_badge(attendee)  # commits
    click.echo(f"New badge for {attendee.name} <{attendee.email}>; the old one no longer works.")
    click.echo(f"  Badge URL: {badge_url(attendee)}")
    click.echo(f"  Code under the QR: {attendee.short_code}")


@cli.command("change-email")
@click.argument("event_slug")
@click.argument("old_email")
@click.argument("new_email")
def change_email_command(event_slug: str, old_email: str, new_email: str) -> None:
    """Change the email an attendee logs in with, for someone who lost access to the old one.

    In the organizer console, the email of an attendee with contacts or notes changes only
    when the old address confirms it, so that no organizer can move an account (and its
    private notes) to an address they read. This command is the way for a person who can no
    longer read their old mail: run it only after making sure they are who they say they
    are (in person, or through organizers who know them). The new address gets the whole
    account.

    It ends every session of the attendee (each device logs in again, with the new address),
    cancels their unused login links, and writes an audit entry by "command line". The
    server's operator holds the database anyway, so this grants nobody anything new.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, old_email)
    try:
        old = change_by_operator(event, attendee, new_email)
    except EmailChangeError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{attendee.name} now logs in to {event.name} with {attendee.email} (was {old}).")
    click.echo("Every session of theirs has ended and their unused login links no longer work; the change is in the "
               "event's audit log.")
    click.echo(f"They ask for a login link with the new address at {absolute_url('auth.login', slug=event.slug)}")
