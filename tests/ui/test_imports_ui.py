"""The import page in a browser (issue 18, item 9): a semicolon-separated file, as a French
spreadsheet saves it, uploaded through the form is imported; a bad line is shown in French at
its line and column; the template link downloads the kind's header and example line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ui.conftest import server_log_tail

pytestmark = pytest.mark.ui


def _upload(page, base: str, kind: str, name: str, content: bytes) -> None:
    page.goto(base + "/imports")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", files=[
        {"name": name, "mimeType": "text/csv", "buffer": content}])
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


def test_a_semicolon_file_uploaded_on_the_import_page_is_imported(role_context, live_server):
    page = role_context("operator").new_page()
    try:
        suffix = str(time.time_ns())[-9:]  # the demo database lives for the whole session
        good = (f"building_code;unit_code;staircase;floor;door\r\n"
                f"PB;PB-UI-{suffix};Z;2;7\r\n").encode()
        _upload(page, live_server, "units", "logements.csv", good)
        assert "Import réussi : 1 ligne." in page.inner_text("main"), server_log_tail()

        bad = f"building_code;unit_code;staircase;floor;door\r\nNOPE;X-{suffix};A;1;1\r\n"
        _upload(page, live_server, "units", "logements.csv", bad.encode())
        alert = page.inner_text("[role=alert]")
        assert "ligne 2, colonne building_code : immeuble inconnu NOPE" in alert

        page.goto(live_server + f"/units/PB-UI-{suffix}")
        assert f"PB-UI-{suffix}" in page.inner_text("main")

        page.goto(live_server + "/imports")
        section = page.locator("#import-units")
        assert section.locator("h3").inner_text() == "Logements"
        with page.expect_download() as download_info:
            section.get_by_role("link", name="Télécharger le modèle « Logements » (CSV)").click()
        path = download_info.value.path()
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == "building_code;unit_code;staircase;floor;door"
        assert lines[1] == "BOT-12;BOT-12-A-03-2;A;3;2"
    finally:
        page.close()
