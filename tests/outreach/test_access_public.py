"""The public routes of outreach answer anonymous visitors, and they are all of them."""

from __future__ import annotations

import pytest

from isp.auth import access_matrix
from tests.outreach.access_cases import PUBLIC


@pytest.mark.parametrize(("method", "url", "ok"), PUBLIC, ids=[f"{m} {u}" for m, u, _ in PUBLIC])
def test_public_route_serves_anonymous(client, db, method, url, ok):
    response = client.open(url, method=method,
                           json={} if url.startswith("/api/") and method == "POST" else None)
    assert response.status_code in ok


def test_every_public_route_of_outreach_is_listed(app):
    listed = {(method, url) for method, url, _ok in PUBLIC}
    public = {(method, rule) for rule, endpoint, methods, access in access_matrix(app)
              for method in methods
              if endpoint.startswith("outreach") and access is not None and access.is_public}
    assert public == listed
