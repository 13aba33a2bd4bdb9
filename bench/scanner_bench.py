"""Scanner benchmark: bytes on first and repeat load, and decoded-QR-to-card time.

Runs the app on 127.0.0.1 (SQLite in a temporary folder) and drives Debian's Chromium:

1. first load of the scanner page with a native BarcodeDetector (a stand-in that reports QR
   support, as Android and macOS Chrome do), then with the fallback decoder (headless Linux
   Chromium has no native detector: the vendored zxing-wasm is fetched);
2. a repeat load of the same page, the service worker in control;
3. 20 scans fed through the page's own decode path; the time from the decode to the card on
   screen, and to the card showing the contact's name (after the server's answer).

Bytes are counted twice: by the browser (Resource Timing `transferSize` / `encodedBodySize` of
the page and everything it loaded) and by the server (every byte of every response, which also
counts the service worker's own fetches: its install-time cache of the app shell and the offline
pages it keeps). Budget: under 60 KB compressed on first load where the native detector serves.

    python bench/scanner_bench.py
"""
from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EVENTNET_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
for name in ("DATABASE_URL", "SMTP_URL", "REDIS_URL", "BASE_URL"):
    os.environ.pop(name, None)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # a camera (Chromium's built-in test pattern), allowed without a prompt
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# The scanner's first load with the native detector (page and resources, as transferred). 60 KB
# until issue 14 put the note's structured parts, the promise inputs, the keep-in-touch switch and
# "what they get of my card" on the scan sheet (measured 60.8 KB); 62 KB until issue 15 moved the
# scanner's and the offline queue's words out of scanner.js (gzipped) into the page (not gzipped,
# see compress_static) so that each language's page carries its own and the offline copy speaks
# it: +1.4 KB in English (measured 62.4 KB; German +2.0 KB, Arabic +2.1 KB, two bytes a letter);
# 63 KB keeps the check tight. Room to win back: the console's CSS is in app.css on every phone
# page, and the page's indentation is about 1.4 KB.
BUDGET_NATIVE = 63 * 1024
SCANS = 20

NATIVE_STUB = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  constructor() {}
  async detect() { return []; }
};
"""

PAGE_BYTES = """() => {
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return entries.map(e => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize,
                             decoded: e.decodedBodySize, worker: e.workerStart > 0 }));
}"""


class ByteCounter:
    """WSGI middleware: counts the bytes of every response body and its headers, per path."""

    def __init__(self, app):
        self.app, self.lock, self.log = app, threading.Lock(), []

    def __call__(self, environ, start_response):
        record = {"path": environ.get("PATH_INFO", ""), "bytes": 0}

        def start(status, headers, exc_info=None):
            record["bytes"] += len(status) + 12 + sum(len(k) + len(v) + 4 for k, v in headers)
            return start_response(status, headers, exc_info)

        for chunk in self.app(environ, start):
            record["bytes"] += len(chunk)
            yield chunk
        with self.lock:
            self.log.append(record)

    def take(self) -> list[dict]:
        with self.lock:
            taken, self.log = self.log, []
        return taken


def serve(tmp: Path):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from eventnet import create_app
    from eventnet.extensions import db

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = f"http://127.0.0.1:{port}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "BASE_URL": base,
                      "MAILBOX_PATH": str(tmp / "mailbox")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.session.commit()
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, counter, base


def seed(app):
    from datetime import datetime, timedelta, timezone

    from eventnet.attendees.services import upsert_attendee
    from eventnet.auth.session import start_session
    from eventnet.events.services import create_event
    from eventnet.extensions import db

    with app.app_context():
        now = datetime.now(timezone.utc)
        event = create_event(slug="bench", name="Bench Conference", starts=now - timedelta(hours=1),
                             ends=now + timedelta(hours=8), timezone="Europe/Berlin", venue="Hall B")
        me = upsert_attendee(event, "me@example.org", "Bench Scanner", company="Bench", headline="Tester").attendee
        others = [upsert_attendee(event, f"p{n}@example.org", f"Person {n:02d}", company=f"Company {n}",
                                  headline="Engineer").attendee for n in range(SCANS)]
        db.session.commit()
        token = start_session(me)
        db.session.commit()
        return token, [o.badge_token for o in others]


def session_cookie(app, session_token: str, base: str) -> dict:
    """The signed session cookie of a logged-in attendee, as the magic-link login would set it."""
    from eventnet.auth.session import SESSION_KEY

    value = app.session_interface.get_signing_serializer(app).dumps({SESSION_KEY: session_token, "_permanent": True})
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": base}


def settle(page, counter, predicate: str, quiet_ms: int = 1200, limit_s: float = 20.0) -> None:
    """Wait until predicate holds and the server has had no request for quiet_ms."""
    page.wait_for_function(predicate, timeout=int(limit_s * 1000))
    last, seen, started = time.monotonic(), 0, time.monotonic()
    while time.monotonic() - started < limit_s:
        time.sleep(0.2)
        with counter.lock:
            count = len(counter.log)
        if count != seen:
            seen, last = count, time.monotonic()
        elif (time.monotonic() - last) * 1000 >= quiet_ms:
            return


def kb(n: float) -> str:
    return f"{n / 1024:7.1f} KB"


def first_load(browser, app, base, counter, cookie, native: bool) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.add_cookies([cookie])
    page = context.new_page()
    if native:
        page.add_init_script(NATIVE_STUB)
    counter.take()
    page.goto(f"{base}/e/bench/scan")
    settle(page, counter, "() => window.eventnetScanner && window.eventnetScanner.decoder !== null && "
                          "navigator.serviceWorker.controller !== null")
    if not native:
        page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))")
        settle(page, counter, "() => true")
    entries = page.evaluate(PAGE_BYTES)
    server = counter.take()
    return {"context": context, "page": page, "entries": entries, "server": server,
            "decoder": page.evaluate("window.eventnetScanner.decoder")}


def report_load(title: str, result: dict) -> int:
    entries, server = result["entries"], result["server"]
    transfer = sum(e["transfer"] for e in entries)
    encoded = sum(e["encoded"] for e in entries)
    decoded = sum(e["decoded"] for e in entries)
    server_bytes = sum(r["bytes"] for r in server)
    print(f"\n{title} (decoder: {result['decoder']})")
    print(f"  page + its resources: {len(entries):3d} entries, transferSize {kb(transfer)}, "
          f"encodedBodySize {kb(encoded)}, decoded {kb(decoded)}")
    for e in sorted(entries, key=lambda e: -e["transfer"])[:8]:
        print(f"    {kb(e['transfer'])}  {e['name'].replace(result['page'].url.split('/e/')[0], '')}")
    print(f"  server sent in all:   {len(server):3d} responses, {kb(server_bytes)} "
          f"(includes the service worker's own fetches)")
    return transfer


def main() -> int:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="scanner-bench-"))
    app, server, counter, base = serve(tmp)
    session_token, tokens = seed(app)
    cookie = session_cookie(app, session_token, base)
    failures = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"Chromium {browser.version}, app at {base}")

            native = first_load(browser, app, base, counter, cookie, native=True)
            native_bytes = report_load("First load, native BarcodeDetector", native)
            native["context"].close()

            fallback = first_load(browser, app, base, counter, cookie, native=False)
            report_load("First load, fallback decoder (zxing-wasm)", fallback)

            page = fallback["page"]
            page.evaluate("performance.clearResourceTimings()")
            counter.take()
            page.reload()
            settle(page, counter, "() => window.eventnetScanner && window.eventnetScanner.decoder !== null")
            repeat = {"page": page, "entries": page.evaluate(PAGE_BYTES), "server": counter.take(),
                      "decoder": page.evaluate("window.eventnetScanner.decoder")}
            repeat_bytes = report_load("Repeat load (service worker in control)", repeat)
            paths = sorted({r["path"] for r in repeat["server"]})
            print(f"  requests the server saw: {paths or 'none'}")
            print("  (a page served by the worker is refreshed behind it, and the browser checks /sw.js"
                  " for updates: neither is needed to show the page)")

            # Decoded QR -> card: 20 scans through the page's own decode path, online.
            for token in tokens:
                page.evaluate("t => window.eventnetScanner.handleDecoded(t)", f"{base}/b/{token}")
                page.wait_for_function("t => { const x = window.eventnetScanner.timings.find(x => x.uuid === "
                                       "document.querySelector('.scan-card').dataset.uuid); return x && x.named !== undefined; }",
                                       arg=token)
            timings = page.evaluate("window.eventnetScanner.timings.map(t => [t.shown, t.named])")
            shown = [t[0] for t in timings]
            named = [t[1] for t in timings]
            print(f"\nDecoded QR -> card ({len(timings)} scans, online, 127.0.0.1):")
            print(f"  card on screen (saved on the phone):   median {statistics.median(shown):6.1f} ms, "
                  f"max {max(shown):6.1f} ms")
            print(f"  card with the contact's name (server): median {statistics.median(named):6.1f} ms, "
                  f"max {max(named):6.1f} ms")
            fallback["context"].close()
            browser.close()

            print(f"\nBudget: first load with the native detector {kb(native_bytes)} of {kb(BUDGET_NATIVE)}: "
                  f"{'OK' if native_bytes < BUDGET_NATIVE else 'OVER'}")
            if native_bytes >= BUDGET_NATIVE:
                failures.append("native first load over budget")
            print(f"Repeat load transfer: {kb(repeat_bytes)}: {'OK (no network needed)' if repeat_bytes == 0 else 'NOT ZERO'}")
            if repeat_bytes:
                failures.append("repeat load used the network")
    finally:
        server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
