"""Static files through WhiteNoise: compressed text files, immutable only where the URL is versioned."""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def compress_script():
    spec = importlib.util.spec_from_file_location("compress_static", ROOT / "scripts" / "compress_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_compressed_static_file_is_current():
    # WhiteNoise serves the .gz as it is on disk: a stale one would send yesterday's CSS.
    assert compress_script().stale() == [], "run: python scripts/compress_static.py"


def test_a_changed_static_file_is_found_stale(tmp_path):
    script = compress_script()
    (tmp_path / "css").mkdir()
    css = tmp_path / "css" / "app.css"
    css.write_text("body { color: red; }\n" * 100)
    assert script.stale(tmp_path) == ["css/app.css: .gz missing or stale"]
    (tmp_path / "css" / "app.css.gz").write_bytes(gzip.compress(css.read_bytes()))
    assert script.stale(tmp_path) == []
    css.write_text("body { color: blue; }\n" * 100)
    assert script.stale(tmp_path) == ["css/app.css: .gz missing or stale"]


@pytest.mark.parametrize("url", ["/static/css/app.css", "/static/js/scanner.js", "/static/icons/icon-192.png",
                                 "/static/icons/icon.svg"])
def test_static_files_with_a_fixed_url_revalidate_and_carry_the_security_headers(client, url):
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}) as again:
        assert again.status_code == 304


def test_only_versioned_static_urls_are_immutable(client):
    with client.get("/static/vendor/htmx/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip"}) as htmx:
        assert htmx.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert htmx.headers["Content-Encoding"] == "gzip"
    for url in ("/sw.js", "/manifest.webmanifest", "/static/css/app.css"):
        response = client.get(url)
        assert "immutable" not in response.headers.get("Cache-Control", ""), url
        response.close()


def test_the_compressed_file_is_the_file(client):
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"}) as packed:
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        body = gzip.decompress(packed.get_data())
    assert body == (ROOT / "static" / "css" / "app.css").read_bytes()


def test_a_missing_static_file_is_a_404(client):
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../eventnet/config.py").status_code == 404


def test_in_development_flask_serves_the_plain_files(app_factory):
    # scripts/run.sh: a file just edited is what the browser gets, never the .gz of before.
    app = app_factory(EVENTNET_ENV="development")
    with app.test_client().get("/static/css/app.css", headers={"Accept-Encoding": "gzip"}) as response:
        assert "Content-Encoding" not in response.headers and response.headers["Cache-Control"] == "no-cache"
