"""Weigh every page as every role allowed on it, in headless Debian Chromium, cache empty.

Seeds a fresh SQLite demo, serves it with gunicorn, logs in as each demo role and prints the
table (page, role, KB transferred, requests, DOM elements, EcoIndex score and grade), the same
figures the UI suite asserts. ``--write`` also stores the table in
isp/templates/pages/_measures.html, shown on /ecoconception and /accessibilite.

    .venv/bin/python -m benchmarks.pages [--write]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, ROLE_EMAILS, login  # noqa: E402
from tests.ui.discovery import (  # noqa: E402
    MAX_KB,
    MAX_REQUESTS,
    PageFigures,
    PageMeter,
    ResolveContext,
    UnresolvedRoutes,
    build_url,
    figures_table,
    page_routes,
)
from tests.ui.server import seed_database, start_server, stop_server  # noqa: E402

MEASURES = ROOT / "isp" / "templates" / "pages" / "_measures.html"


def measure_all(workdir: Path) -> tuple[list[PageFigures], list[str]]:
    """Figures of every page and role; plus the routes skipped, with the reason."""
    from playwright.sync_api import sync_playwright

    from isp import create_app
    from isp.extensions import db
    from isp.models import User

    url = f"sqlite:///{workdir / 'pages.sqlite'}"
    seed_database(url)
    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    process, base = start_server(url, workdir / "server.log")
    rows: list[PageFigures] = []
    skipped: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            contexts, meters = {}, {}
            for route in page_routes(app):
                for role in route.roles:
                    if role not in contexts:
                        contexts[role] = browser.new_context(locale="fr-FR")
                        if role != "anonymous":
                            page = contexts[role].new_page()
                            login(page, base, role)
                            page.close()
                        meters[role] = PageMeter(contexts[role])
                    with app.app_context():
                        user = db.session.execute(db.select(User).where(
                            User.email == ROLE_EMAILS[role])).scalar_one_or_none() \
                            if role in ROLE_EMAILS else None
                        try:
                            path = build_url(route, ResolveContext(role, user, db.session))
                        except UnresolvedRoutes as error:
                            skipped.append(f"{error}")
                            continue
                    probe = contexts[role].request.get(base + path, max_redirects=0)
                    kind = probe.headers.get("content-type", "")
                    if probe.status != 200 or not kind.startswith("text/html"):
                        skipped.append(f"{path} as {role}: HTTP {probe.status} {kind}")
                        continue
                    rows.append(meters[role].measure(base + path, role=role,
                                                     endpoint=route.endpoint))
            browser.close()
    finally:
        stop_server(process)
    return rows, skipped


def measures_html(rows: list[PageFigures]) -> str:
    """A Jinja partial for the statements: a summary and the pages below grade A or over budget.

    The full table (one row per page and role) would itself weigh a grade C page.
    """
    import statistics

    kbs = [r.kilobytes for r in rows]
    heavy = sorted((r for r in rows if r.grade != "A" or r.over_budget()),
                   key=lambda r: (r.endpoint, r.role))
    body = "\n".join(
        f"<tr><td><code>{escape(r.endpoint)}</code> ({escape(r.role)})</td>"
        f"<td class=\"num\">{r.kilobytes:.1f}</td><td class=\"num\">{r.requests}</td>"
        f"<td class=\"num\">{r.dom_elements}</td><td>{r.grade} ({r.ecoindex:.0f})</td></tr>"
        for r in heavy)
    summary = (f"{{{{ _(\"Mesuré le %(day)s sur %(n)s vues de page (chaque page, chaque rôle) : "
               f"médiane %(median)s Ko, maximum %(max)s Ko, %(req)s requêtes au plus ; "
               f"%(a)s en classe A.\", day=\"{date.today().isoformat()}\", n={len(rows)}, "  # noqa: DTZ011
               f"median=\"{statistics.median(kbs):.1f}\", max=\"{max(kbs):.1f}\", "
               f"req={max(r.requests for r in rows)}, "
               f"a={sum(r.grade == 'A' for r in rows)}) }}}}")
    table = "" if not heavy else (
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
        "aria-label=\"{{ _(\"Pages hors objectif\") }}\"><table>\n"
        "<caption>{{ _(\"Pages hors objectif\") }}</caption>\n"
        "<thead><tr><th scope=\"col\">{{ _(\"Page (rôle)\") }}</th>"
        "<th scope=\"col\" class=\"num\">{{ _(\"Ko\") }}</th><th scope=\"col\" "
        "class=\"num\">{{ _(\"Requêtes\") }}</th><th scope=\"col\" class=\"num\">"
        "{{ _(\"Éléments\") }}</th><th scope=\"col\">EcoIndex</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody></table></div>\n")
    return ("{# Generated by benchmarks/pages.py --write; do not edit by hand. #}\n"
            f"<p>{summary}</p>\n{table}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="store the table in isp/templates/pages/_measures.html")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="isp-pages-"))
    try:
        rows, skipped = measure_all(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(figures_table(rows))
    over = [r for r in rows if r.over_budget()]
    print(f"\n{len(rows)} page views; budget {MAX_KB} KB, {MAX_REQUESTS} requests, grade A; "
          f"{len(over)} over budget")
    for row in over:
        print(f"  {row.endpoint} as {row.role}: {'; '.join(row.over_budget())}")
    for line in skipped:
        print(f"  not measured: {line}")
    if args.write:
        MEASURES.write_text(measures_html(rows), encoding="utf-8")
        print(f"written to {MEASURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
