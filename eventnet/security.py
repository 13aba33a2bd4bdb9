"""Response headers that every page carries: CSP, framing, referrer, HSTS and caching."""
from __future__ import annotations

from flask import Flask, Response, current_app, request, session

from .htmx import add_vary

# No inline script anywhere: htmx is configured by a <meta> tag and our own JS lives in static/.
# 'wasm-unsafe-eval' is only for the vendored QR decoder's WebAssembly, never for JS eval.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    )
)


def set_security_headers(response: Response) -> Response:
    """Attach the security headers unless a view chose its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Badge and login tokens live in URLs: never hand them to another site as a Referer. Our own
    # forms need it on HTTPS (Flask-WTF's strict check), so no page may say no-referrer.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure and current_app.config.get("HSTS_SECONDS"):
        headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
    if "Cache-Control" not in headers and _logged_in():
        # Whatever a logged-in person is shown may hold their notes and contacts: no shared
        # cache keeps it, and the browser does not store it either (the service worker keeps
        # its own offline copy of a few pages, and drops it at logout).
        headers["Cache-Control"] = "private, no-store"
    return add_vary(response)


def _logged_in() -> bool:
    from .auth.session import ADMIN_SESSION_KEY, SESSION_KEY

    return SESSION_KEY in session or ADMIN_SESSION_KEY in session


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
