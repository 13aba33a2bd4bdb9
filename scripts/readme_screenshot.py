"""Make docs/screenshot.png, the README's picture: three 360 x 740 phone screens side by side.

The demo event in a real Chromium: the scan sheet over the paused camera (Chromium's fake
camera films Kenji's badge, drawn by tests/y4m.py), the contact book, and the contact just
made with its note. Run from the repository root with the project's venv:

    EVENTNET_ENV=testing .venv/bin/python scripts/readme_screenshot.py [OUT.png]

Everything runs on a throwaway SQLite file and a server on 127.0.0.1; nothing leaves the machine.
"""
from __future__ import annotations

import io
import os
import re
import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("EVENTNET_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "readme-screenshot-only")
for name in ("DATABASE_URL", "SMTP_URL", "REDIS_URL", "BASE_URL"):
    os.environ.pop(name, None)

from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from y4m import write_y4m  # noqa: E402

from eventnet import create_app  # noqa: E402
from eventnet.auth.services import create_login_link  # noqa: E402
from eventnet.badges.services import badge_url  # noqa: E402
from eventnet.demo import data  # noqa: E402
from eventnet.demo.services import seed_demo  # noqa: E402
from eventnet.extensions import db  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
PHONE = {"width": 360, "height": 740}
MARGIN, GAP, BACKGROUND = 20, 20, (226, 230, 238)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def panels(base: str, app, tmp: Path) -> list[bytes]:
    """The three screens, as PNG bytes."""
    with app.app_context():
        seed = seed_demo()
        ada, kenji = seed.people[data.ATTENDEE_EMAIL], seed.people[data.SCAN_TARGET_EMAIL]
        link = create_login_link(ada).url
        video = write_y4m(tmp / "kenji.y4m", [badge_url(kenji)])
        kenji_name = kenji.name
        db.session.commit()
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, f"--use-file-for-fake-video-capture={video}"])
        page = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True).new_page()
        page.set_default_timeout(30_000)
        page.context.route("**/*", lambda route: route.fallback() if route.request.url.startswith(
            (base, "data:", "blob:")) else route.abort())
        page.goto(link)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/e/demo/$"))
        # 1. The scanner: the camera reads Kenji's badge and the sheet opens; a note and a follow-up.
        page.goto(f"{base}/e/demo/scan")
        sheet = page.get_by_role("dialog", name=kenji_name)
        sheet.wait_for()
        sheet.get_by_label("Your private note").click()
        page.keyboard.type("Works on: wind farm sensor data\nNeeds: a Postgres person")
        sheet.get_by_label("Coffee").check()
        sheet.locator("[data-note-state]", has_text="Saved").wait_for()
        sheet.get_by_label("Your private note").blur()
        shots.append(page.screenshot())
        contact_url = sheet.get_by_role("link", name="Open the full contact card").get_attribute("href")
        # 2. The contact book, the new contact on top. 3. The contact, note first.
        page.goto(f"{base}/e/demo/contacts/")
        shots.append(page.screenshot())
        page.goto(base + contact_url)
        shots.append(page.screenshot())
        browser.close()
    return shots


def compose(shots: list[bytes]) -> Image.Image:
    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in shots]
    width = MARGIN * 2 + sum(i.width for i in images) + GAP * (len(images) - 1)
    height = MARGIN * 2 + max(i.height for i in images)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    x = MARGIN
    for image in images:
        sheet.paste(image, (x, MARGIN))
        x += image.width + GAP
    return sheet


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'demo.sqlite3'}", "BASE_URL": base,
                          "MAILBOX_PATH": str(tmp / "mailbox"), "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            image = compose(panels(base, app, tmp))
        finally:
            server.shutdown()
    image.save(out, optimize=True)
    print(f"wrote {out} ({image.width} x {image.height})")


if __name__ == "__main__":
    main()
