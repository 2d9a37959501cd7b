"""Evaluation pages escape the data they show: no ``|safe`` on a name, a code or a figure."""

from __future__ import annotations

from pathlib import Path

from isp.extensions import db
from subscribers.models_figures import DistrictIndicator
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "evaluation" / "templates"
HOSTILE = "<img src=x onerror=alert(1)>"


def test_no_template_of_evaluation_marks_data_safe():
    offenders = [str(path) for path in TEMPLATES.rglob("*.html") if "|safe" in
                 path.read_text().replace(" ", "")]
    assert offenders == []


def test_a_hostile_district_name_is_shown_escaped_in_the_ranking_and_its_chart_table(
        client, login_as):
    for name, value in ((HOSTILE, 150.0), ("Ordinary", 90.0), ("Calm", 60.0)):
        district = factories.make_district(name=name)
        for axis in ("ifn_information_access", "ifn_interfaces_access",
                     "ifn_administrative_skills", "ifn_digital_school_skills"):
            db.session.add(DistrictIndicator(district=district, indicator=axis, value=value,
                                             source="test", year=2020))
    db.session.flush()
    login_as("analyst")
    html = client.get("/evaluation/districts").get_data(as_text=True)
    assert HOSTILE not in html
    # Once in the ranking table, once in the chart's data table (it leads the top 15).
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 2
