"""The demand signal beside the fragility index (ranking) and on the scenario page."""

from __future__ import annotations

import re

from evaluation.models import DistrictIndicator
from isp.extensions import db
from outreach import services
from tests.outreach.conftest import valid_request


def _indicators(districts) -> None:
    for value, code in ((120.0, "TST-NORD"), (140.0, "TST-SUD"), (100.0, "TST-EST")):
        for indicator in ("ifn_global", "ifn_information_access", "ifn_interfaces_access",
                          "ifn_administrative_skills", "ifn_digital_school_skills"):
            db.session.add(DistrictIndicator(district=districts[code], indicator=indicator,
                                             value=value, unit="index", source="test",
                                             year=2020))


def _requests(code: str, count: int) -> None:
    for number in range(count):
        services.submit_request(valid_request(street=f"{number} rue {code}", district_code=code),
                                client_address=f"10.9.{len(code)}.{number}")


def test_ranking_and_scenarios_show_requests_per_district(client, login_as, districts):
    _indicators(districts)
    _requests("TST-SUD", 6)
    _requests("TST-NORD", 2)
    db.session.commit()
    login_as("analyst")
    html = client.get("/evaluation/districts").get_data(as_text=True)
    assert "Indice officiel · demandes publiques" in html
    south = re.search(r"<tr><td class=\"num\">\d+</td><td>Sud.*?</tr>", html, re.S).group(0)
    north = re.search(r"<tr><td class=\"num\">\d+</td><td>Nord.*?</tr>", html, re.S).group(0)
    east = re.search(r"<tr><td class=\"num\">\d+</td><td>Est.*?</tr>", html, re.S).group(0)
    assert re.search(r'<td class="num">140,0 · 5</td>', south)  # 6 requests, rounded to 5
    assert "120,0 · &lt; 5" in north and "100,0 · 0" in east
    scenarios = client.get("/evaluation/scenarios").get_data(as_text=True)
    assert re.search(r"Sud \(TST-SUD\)[^<]*demandes publiques : 5", scenarios)
    assert re.search(r"Nord \(TST-NORD\)[^<]*demandes publiques : &lt; 5", scenarios)


def test_saved_scenario_shows_its_district_requests(client, login_as, districts):
    _requests("TST-EST", 5)
    db.session.commit()
    login_as("analyst")
    from billing.services import ensure_default_grid
    from evaluation import scenarios

    ensure_default_grid()  # as a migrated database holds it (scenarios read billing's prices)
    scenario = scenarios.run({"name": "Est", "district_code": "TST-EST", "flats": "100"})
    db.session.commit()
    html = client.get(f"/evaluation/scenarios/{scenario.id}").get_data(as_text=True)
    row = re.search(r"Demandes publiques du quartier</th>.*?</tr>", html, re.S).group(0)
    assert '<td class="num">5</td>' in row
