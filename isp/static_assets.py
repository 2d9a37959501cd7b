"""Static files: fingerprinted URLs, a year of browser cache, gzip computed once at start-up.

``url_for('static', filename='app.css')`` gives ``/static/app.css?v=<content hash>``; a URL
with the current hash is cached as immutable, so a browser downloads the stylesheet once per
release. Files are read and compressed when the app starts (the static folder is small), so
serving them costs a dictionary lookup. HTML pages are not compressed here: they carry the
CSRF token next to echoed search terms (BREACH); a reverse proxy may do it with that in mind.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request

ONE_YEAR = 31_536_000
#: Types worth compressing; images are compressed already.
COMPRESSIBLE = ("text/", "image/svg+xml", "application/javascript", "application/json")


@dataclass(frozen=True)
class Asset:
    """One static file, its fingerprint and its gzip form (when smaller)."""

    body: bytes
    gzipped: bytes | None
    mimetype: str
    version: str


def load_assets(folder: Path) -> dict[str, Asset]:
    """Read every file of ``folder`` with its content hash and gzip encoding."""
    assets = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        gzipped = None
        if mimetype.startswith(COMPRESSIBLE):
            candidate = gzip.compress(body, compresslevel=9, mtime=0)
            gzipped = candidate if len(candidate) < len(body) else None
        assets[path.relative_to(folder).as_posix()] = Asset(
            body, gzipped, mimetype, hashlib.sha256(body).hexdigest()[:12])
    return assets


def init_static_assets(app: Flask) -> None:
    """Serve ``/static/`` from memory with fingerprints, long cache and gzip."""
    assets = load_assets(Path(app.static_folder))
    app.extensions["static_assets"] = assets

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            asset = assets.get(values.get("filename", ""))
            if asset is not None:
                values["v"] = asset.version

    def static(filename: str) -> Response:
        asset = assets.get(filename)
        if asset is None:
            abort(404)
        etag = f'"{asset.version}"'
        use_gzip = asset.gzipped is not None and "gzip" in request.headers.get(
            "Accept-Encoding", "")
        response = Response(status=304) if etag in request.headers.get(
            "If-None-Match", "") else Response(asset.gzipped if use_gzip else asset.body)
        response.mimetype = asset.mimetype
        response.headers["ETag"] = etag
        response.headers["Vary"] = "Accept-Encoding"
        if use_gzip and response.status_code == 200:
            response.headers["Content-Encoding"] = "gzip"
        if request.args.get("v") == asset.version:
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        else:
            # An old or missing fingerprint: revalidate, so nobody keeps a stale stylesheet.
            response.headers["Cache-Control"] = "no-cache"
        return response

    app.view_functions["static"] = static
