"""CSV import, the organizer's screens of the importer: upload a file, preview and adjust the
detected columns, confirm, and read (or download) the report. Paths sit in the organizer's console
(/e/<slug>/organizer/import...); the console's navigation and the attendee list link here."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, render_template, request, url_for
from flask_babel import gettext as _

from ...auth.session import organizer_required
from ...errors import fail, render_error
from ...htmx import redirect_to, render_page
from . import LABELS, MAX_BYTES, CSVError, uploads
from .said import shown

bp = Blueprint("csv_import", __name__, url_prefix="/e/<slug>/organizer")


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    # Runs before the app's before_request functions, CSRF's included, which would read the form
    # under the app-wide 2 MB limit: only the CSV upload may bring up to 20 MB.
    if endpoint == "csv_import.upload":
        request.max_content_length = uploads.REQUEST_LIMIT


@bp.errorhandler(413)
def _too_large(error):
    """A body over the limit: say how large a file may be, not only "too large"."""
    return render_error(413, _("That file is too large"),
                        _("An attendee file can be at most %(max)s MB. Split it into smaller files and import them "
                          "one after another (nobody is added twice).", max=MAX_BYTES // 1024 // 1024))


@bp.app_template_filter("said")
def _said(value):
    """A note or reason of the import (a Said, its stored JSON, or an old plain string) in the reader's language."""
    return shown(value)


@bp.get("/import")
@organizer_required
def form():
    """Upload an attendee CSV: what the file needs, and the file input."""
    return render_template("importer/upload.html", error=None, max_mb=MAX_BYTES // 1024 // 1024)


@bp.post("/import")
@organizer_required
def upload():
    """Check an uploaded CSV and show its preview, or say why it cannot be imported."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template("importer/upload.html", error=_("Choose a CSV file to upload."),
                               max_mb=MAX_BYTES // 1024 // 1024), 422
    data = file.stream.read(MAX_BYTES + 1)
    try:
        upload, _parsed = uploads.stash_upload(g.event, g.attendee, file.filename, data)
    except CSVError as error:
        return render_template("importer/upload.html", error=str(error), error_code=error.code,
                               max_mb=MAX_BYTES // 1024 // 1024), 422
    return redirect_to(url_for("csv_import.preview", slug=g.event.slug, upload_id=upload.id))


def _preview_page(preview: uploads.Preview, status: int | None = None):
    return render_page("importer/preview.html", "importer/_preview.html",
                       status=status or preview.status, preview=preview)


@bp.get("/import/<upload_id>")
@organizer_required
def preview(upload_id: str):
    """The detected columns (changeable), how the file was read, and the first rows; nothing is saved yet."""
    upload = uploads.get_upload_or_404(g.event, upload_id)
    if upload.imported_at is not None:
        return redirect_to(url_for("csv_import.report", slug=g.event.slug, upload_id=upload.id))
    return _preview_page(uploads.preview(g.event, upload, request.args))


@bp.post("/import/<upload_id>")
@organizer_required
def confirm(upload_id: str):
    """Import the previewed upload with the mapping the preview showed, then show the report."""
    try:
        uploads.confirm_import(g.event, g.attendee, upload_id, request.form)
    except uploads.AlreadyImported:
        flash(_("This file was imported already; here is its report."), "ok")
    except uploads.MappingNotUsable as problem:
        upload = uploads.get_upload_or_404(g.event, upload_id)
        return _preview_page(uploads.Preview(upload, problem.parsed, problem.choices), 422)
    return redirect_to(url_for("csv_import.report", slug=g.event.slug, upload_id=upload_id))


@bp.get("/import/<upload_id>/report")
@organizer_required
def report(upload_id: str):
    """What the import did: created, updated and rejected rows with the reasons."""
    upload = uploads.get_upload_or_404(g.event, upload_id)
    if upload.report is None:
        # Imported by a request that is still running, or not yet confirmed.
        return redirect_to(url_for("csv_import.preview", slug=g.event.slug, upload_id=upload.id))
    return render_template("importer/report.html", upload=upload, report=upload.report,
                           labels={name: _(label) for name, label in LABELS.items()})


@bp.get("/import/<upload_id>/report.csv")
@organizer_required
def report_csv(upload_id: str):
    """The import report as a CSV file, safe to open in a spreadsheet."""
    upload = uploads.get_upload_or_404(g.event, upload_id)
    if upload.report is None:
        fail(404, _("This file has not been imported yet."))
    response = Response(uploads.report_csv(upload.report), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="import-report-{g.event.slug}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
