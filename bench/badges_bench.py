#!/usr/bin/env python
"""How long a badge sheet for 5,000 attendees takes, and how much memory, against a baseline.

    python bench/badges_bench.py [--count 5000]

Each measurement runs in a fresh child process, so its peak memory (max RSS) is its own:
  baseline   the same number of bare QR matrices (qrcode, level M, the sheet's fixed mask),
             which is the least any sheet of these QR codes can cost
  best mask  the same matrices with qrcode's own mask choice (8 builds each), for reference:
             why the sheet uses one fixed mask (see eventnet/badges/pdf.py)
  sheet      badges_pdf.render_sheet for the same badges, A4, six per page
  app        GET /e/<slug>/organizer/badges.pdf through the Flask app on a SQLite database
             holding that many attendees: what an organizer waits for in the browser
Every figure is printed with its ratio to the baseline of the same run. Exits non-zero when a
measurement failed or a PDF does not hold one badge per attendee (six to a page).
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import queue as queue_module
import re
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _urls(count: int) -> list[str]:
    return [f"https://meet.example.org/b/{secrets.token_urlsafe(24)}" for _ in range(count)]


def _badges(count: int):
    from eventnet.badges.pdf import BadgeData

    return [BadgeData(f"Attendee Number {i} Łukasz", f"Company {i % 97} GmbH", "Senior engineer, data platform",
                      "ABCD7EF", url) for i, url in enumerate(_urls(count))]


def baseline(count: int) -> dict:
    from eventnet.badges.pdf import qr_matrix

    urls = _urls(count)
    started = time.perf_counter()
    for url in urls:
        qr_matrix(url)
    return {"seconds": time.perf_counter() - started}


def best_mask(count: int) -> dict:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    urls = _urls(count)
    started = time.perf_counter()
    for url in urls:
        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        qr.add_data(url)
        qr.make(fit=True)
        qr.get_matrix()
    return {"seconds": time.perf_counter() - started}


def sheet(count: int) -> dict:
    from eventnet.badges.pdf import render_sheet

    badges = _badges(count)
    started = time.perf_counter()
    pdf = render_sheet(iter(badges), "Bench Conference 2026", "a4")
    return {"seconds": time.perf_counter() - started, "mb": len(pdf) / 1024 / 1024, "pages": _pages(pdf)}


def _pages(pdf: bytes) -> int:
    """Page objects in a PDF (reportlab writes each as an uncompressed `/Type /Page` object)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def through_app(count: int) -> dict:
    os.environ.update({"EVENTNET_ENV": "testing", "SECRET_KEY": "bench"})
    from datetime import datetime, timedelta, timezone

    from flask_migrate import upgrade

    from eventnet import create_app
    from eventnet.attendees.models import Attendee
    from eventnet.badges.tokens import new_badge_token
    from eventnet.events.services import create_event
    from organizer_client import add_organizer, client_for
    from eventnet.extensions import db

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "BASE_URL": "https://meet.example.org"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = datetime.now(timezone.utc)
        event = create_event("bench", "Bench Conference 2026", now, now + timedelta(days=1), "Europe/Berlin")
        organizer_id = add_organizer(event.id).id
        db.session.execute(db.insert(Attendee), [
            {"event_id": event.id, "email": f"p{i}@example.org", "email_key": f"p{i}@example.org",
             "name": f"Attendee Number {i} Łukasz", "company": f"Company {i % 97} GmbH",
             "headline": "Senior engineer, data platform", "role": "attendee", "links": [], "shared_fields": [],
             "badge_token": new_badge_token(), "short_code": f"C{i:06d}"} for i in range(count - 1)])
        db.session.commit()
        client = client_for(app, organizer_id)
    started = time.perf_counter()
    response = client.get("/e/bench/organizer/badges.pdf?paper=a4")
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return {"seconds": seconds, "mb": len(response.data) / 1024 / 1024, "pages": _pages(response.data)}


def _child(name: str, count: int, queue) -> None:
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = globals()[name](count)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["start_mb"] = start_rss / 1024
    queue.put(result)


def measure(name: str, count: int) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=_child, args=(name, count, queue))
    process.start()
    # A child that dies (an exception, the OOM killer) puts nothing: stop waiting then.
    while True:
        try:
            result = queue.get(timeout=2)
            break
        except queue_module.Empty:
            if not process.is_alive():
                raise SystemExit(f"the {name} measurement failed (exit status {process.exitcode})") from None
    process.join(60)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    count = args.count
    print(f"badge sheet benchmark: {count} badges, python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    results = {name: measure(name, count) for name in ("baseline", "best_mask", "sheet", "through_app")}
    # The baseline runs again at the end and the faster run counts: on a shared machine the
    # first measurement is often slowed by something else, which would flatter every ratio.
    again = measure("baseline", count)
    if again["seconds"] < results["baseline"]["seconds"]:
        results["baseline"] = again
    base = results["baseline"]["seconds"]
    labels = {"baseline": "baseline: bare QR matrices", "best_mask": "QR matrices, qrcode's best mask",
              "sheet": "badge sheet PDF (render_sheet)", "through_app": "GET badges.pdf through the app"}
    for name, result in results.items():
        extra = f", {result['mb']:.1f} MB PDF" if "mb" in result else ""
        print(f"  {labels[name]:<34} {result['seconds']:7.2f} s  x{result['seconds'] / base:5.2f}  "
              f"{result['seconds'] / count * 1000:6.2f} ms/badge  peak RSS {result['peak_mb']:6.0f} MB{extra}")
    pages = math.ceil(count / 6)
    wrong = {name: result["pages"] for name, result in results.items() if result.get("pages", pages) != pages}
    if wrong:
        raise SystemExit(f"FAILED: expected {pages} PDF pages for {count} badges, got {wrong}")
    print(f"  both PDFs hold {pages} pages for {count} badges: OK")


if __name__ == "__main__":
    main()
