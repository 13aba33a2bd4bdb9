"""Static files served by WhiteNoise: precompressed, and cached for a year where the URL is versioned.

WhiteNoise answers /static/ before Flask sees the request (no session, no database, no rate
limit: a static file is the same for everybody). It serves the `.gz` (and `.br`) file next to
a static file to browsers that accept it, with `Vary: Accept-Encoding`; scripts/compress_static.py
writes them and tests/test_static_files.py fails when one is missing or stale. Only text static
files (CSS, JS, SVG) are compressed, and only here: pages are never compressed by us, since a
page carrying the CSRF token next to reflected input would open a BREACH-style side channel.
"""
from __future__ import annotations

import re

from flask import Flask
from whitenoise import WhiteNoise

from .security import CONTENT_SECURITY_POLICY

IMMUTABLE = "public, max-age=31536000, immutable"
# A URL that names its version can be kept for a year: a new version is a new URL (the vendored
# htmx-2.0.11.min.js, vendor/barcode-detector/3.2.2/...). Everything else (app.css, scanner.js,
# the icons) keeps its URL across releases, so browsers revalidate it (ETag) on every use; the
# service worker's versioned cache is what keeps those offline (sw.js).
VERSIONED_URL = re.compile(r"/vendor/[^/]+/(?:[^/]*-)?\d+\.\d+\.\d+(?:/|\.[a-z])")


def is_versioned(path: str, url: str) -> bool:
    """Whether this static file's URL carries its version (WhiteNoise's immutable_file_test)."""
    return VERSIONED_URL.search(url) is not None


def _headers(headers, path: str, url: str) -> None:
    # The headers eventnet.security gives every Flask response (an SVG is a document that could
    # carry script: the CSP keeps it inert when opened on its own). HSTS rides on the pages:
    # one HTTPS response that carries it is enough for the browser.
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    headers["Cache-Control"] = IMMUTABLE if is_versioned(path, url) else "no-cache"


def init_app(app: Flask) -> None:
    """Put WhiteNoise in front of the app for app.static_folder at app.static_url_path."""
    if app.debug or app.config.get("EVENTNET_ENV") == "development":
        # While developing (scripts/run.sh), a CSS or JS file just edited must be what the browser
        # gets, not the .gz of its last compression nor the size WhiteNoise read at start: Flask
        # serves the plain files, revalidated on every use.
        return
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        # Cache-Control is set per file in _headers (max_age=None: WhiteNoise adds none itself).
        max_age=None,
        # Same-origin only, as before: nothing here is meant for other sites.
        allow_all_origins=False,
        immutable_file_test=is_versioned,
        add_headers_function=_headers,
    )
