"""The foundation's browser check: the operator finds the 116 flats of the Port-Boyer building."""

from __future__ import annotations

import math
import re

import pytest

from subscribers.views import BUILDING_FLATS_PER_PAGE

pytestmark = pytest.mark.ui


def test_operator_finds_the_116_flats_of_port_boyer(role_context, live_server):
    page = role_context("operator").new_page()
    try:
        page.goto(live_server + "/")
        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Immeubles").click()
        page.get_by_role("row", name=re.compile("Port-Boyer")).get_by_role("link").first.click()
        assert re.search(r"/buildings/PB$", page.url)
        assert page.get_by_test_id("unit-count").inner_text().strip() == "116"
        # a click waits for the next page to start, not to be read whole: count rows once loaded
        page.wait_for_load_state("load")
        codes = page.locator("table#units tbody tr td:first-child").all_inner_texts()
        pages = 1
        while page.get_by_role("link", name="Suivant").count():  # the flats come by pages
            page.get_by_role("link", name="Suivant").click()
            page.wait_for_load_state("load")
            codes += page.locator("table#units tbody tr td:first-child").all_inner_texts()
            pages += 1
        assert pages == math.ceil(116 / BUILDING_FLATS_PER_PAGE) > 1
        assert len(codes) == 116
        assert len(set(codes)) == 116
        assert all(re.fullmatch(r"PB-[A-D]-\d{2}-[1-3]", code) for code in codes)
        assert {"PB-A-00-1", "PB-D-09-3"} <= set(codes)
    finally:
        page.close()
