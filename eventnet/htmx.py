"""One place that decides between a full page and the fragment htmx swaps."""
from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request

from .extensions import htmx


def wants_fragment() -> bool:
    """True for an htmx swap; boosted and history-restore requests need the whole page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(page: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render `fragment` for htmx swaps and `page` (which includes it) for everything else."""
    template = fragment if fragment and wants_fragment() else page
    return make_response(render_template(template, **context), status)


def redirect_to(location: str, status: int = 303) -> Response:
    """A redirect that also works for htmx, which would otherwise swap the target page in."""
    if htmx and not htmx.boosted:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, status)


def add_vary(response: Response) -> Response:
    # Without Vary a cache (or the browser's back button) may serve a fragment as a page.
    response.vary.add("HX-Request")
    return response


def is_htmx_request() -> bool:
    return request.headers.get("HX-Request") == "true"
