"""The templates' remembered url_for builds what Flask's url_for builds (isp/urls.py)."""

from flask import url_for

from isp.urls import remembered_url_for


def test_the_remembered_url_is_flasks_url_for_every_kind_of_argument(app):
    cached = remembered_url_for()
    cases = [("subscribers.households", {}),
             ("subscribers.household_detail", {"household_id": 12}),
             ("subscribers.households", {"q": "Martin", "page": 3}),
             ("static", {"filename": "app.css"}),  # its fingerprint (url_defaults)
             ("subscribers.household_detail", {"household_id": 12, "_anchor": "billing"}),
             ("subscribers.households", {"status": ["active", "suspended"]}),  # unhashable
             ("subscribers.household_detail", {"household_id": 12, "_external": True})]
    for root in ("", "/isp"):  # behind a proxy under a prefix
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in cases:
                expected = url_for(endpoint, **values)
                assert cached(endpoint, **values) == expected
                assert cached(endpoint, **values) == expected  # from memory the second time
            assert cached("subscribers.households").startswith(f"{root}/households")
    # the six relative cases without _anchor/_external/lists are remembered per prefix
    assert cached.cache_info().currsize == 2 * 4
