"""Static files: fingerprinted URLs, long cache only for the current fingerprint, gzip."""

from __future__ import annotations

import gzip

from flask import url_for


def test_stylesheet_url_carries_its_content_hash_and_is_cached_a_year(app):
    client = app.test_client()
    with app.test_request_context():
        url = url_for("static", filename="app.css")
    assert "?v=" in url
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == '"' + url.rsplit("=", 1)[1] + '"'


def test_stylesheet_is_gzipped_when_the_browser_accepts_it(app):
    client = app.test_client()
    plain = client.get("/static/app.css")
    packed = client.get("/static/app.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_stale_fingerprint_is_revalidated_and_etag_gives_304(app):
    client = app.test_client()
    stale = client.get("/static/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/app.css", headers={"If-None-Match": stale.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/missing.css").status_code == 404
