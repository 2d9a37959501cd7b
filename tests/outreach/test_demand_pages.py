"""The demand signal beside the fragility index (ranking) and on the scenario page."""

from __future__ import annotations

import re

from isp.extensions import db
from outreach import services
from subscribers.models_figures import DistrictIndicator
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
    from billing.tariffs import ensure_default_grid
    from evaluation import scenarios

    ensure_default_grid()  # as a migrated database holds it (scenarios read billing's prices)
    scenario = scenarios.run({"name": "Est", "district_code": "TST-EST", "flats": "100"})
    db.session.commit()
    html = client.get(f"/evaluation/scenarios/{scenario.id}").get_data(as_text=True)
    row = re.search(r"Demandes publiques du quartier</th>.*?</tr>", html, re.S).group(0)
    assert '<td class="num">5</td>' in row


def test_ranking_api_and_csv_give_the_requests_beside_the_index(client, login_as, api_as,
                                                                districts):
    _indicators(districts)
    _requests("TST-SUD", 7)
    _requests("TST-NORD", 3)
    db.session.commit()
    _user, headers = api_as("analyst")
    body = client.get("/api/v1/evaluation/fragility?method=mednum", headers=headers).get_json()
    by_code = {item["district_code"]: item for item in body["items"]}
    assert by_code["TST-SUD"]["official_ifn_global"] == 140.0
    assert by_code["TST-SUD"]["public_requests"] == {"value": 5, "suppressed": False}
    assert by_code["TST-NORD"]["public_requests"] == {"value": None, "suppressed": True}
    assert by_code["TST-EST"]["public_requests"] == {"value": 0, "suppressed": False}
    assert "3" not in str(by_code["TST-NORD"]["public_requests"])  # the small count never shown
    login_as("analyst")
    response = client.get("/evaluation/districts.csv?method=weighted")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    import csv
    import io

    rows = {row["district_code"]: row for row in csv.DictReader(io.StringIO(
        response.get_data(as_text=True)))}
    assert rows["TST-SUD"]["public_requests"] == "5"
    assert rows["TST-SUD"]["public_requests_suppressed"] == "0"
    assert rows["TST-NORD"]["public_requests"] == ""
    assert rows["TST-NORD"]["public_requests_suppressed"] == "1"
    assert rows["TST-EST"]["official_ifn_global"] == "100.0"
    page = client.get("/evaluation/districts?method=weighted").get_data(as_text=True)
    assert "/evaluation/districts.csv?method=weighted" in page


def test_ranking_csv_refuses_a_bad_weight_instead_of_replacing_it(client, login_as, districts):
    _indicators(districts)
    db.session.commit()
    login_as("analyst")
    response = client.get("/evaluation/districts.csv?method=weighted&w_pct_age_60_plus=x")
    assert response.status_code == 422
    assert "pct_age_60_plus" in response.get_data(as_text=True)


def test_scenario_api_gives_its_district_requests(client, api_as, districts):
    from billing.tariffs import ensure_default_grid

    ensure_default_grid()
    _requests("TST-EST", 6)
    db.session.commit()
    _user, headers = api_as("analyst")
    response = client.post("/api/v1/evaluation/scenarios", headers=headers,
                           json={"name": "Est", "district_code": "TST-EST", "flats": 100})
    assert response.status_code == 201
    assert response.get_json()["public_requests"] == {"value": 5, "suppressed": False}
    response = client.post("/api/v1/evaluation/scenarios", headers=headers,
                           json={"name": "Nord", "district_code": "TST-NORD", "flats": 100})
    assert response.get_json()["public_requests"] == {"value": 0, "suppressed": False}
