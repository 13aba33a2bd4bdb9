"""Response headers that every page carries: CSP, framing, referrer and content sniffing."""
from __future__ import annotations

from flask import Flask, Response

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
    # Badge tokens live in URLs: never hand them to another site as a Referer.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    return add_vary(response)


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
