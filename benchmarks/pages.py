"""Weigh every page as every role allowed on it, in headless Debian Chromium, cache empty.

Seeds a fresh SQLite demo, serves it with gunicorn, logs in as each demo role and prints the
table (page, role, KB transferred, requests, DOM elements, EcoIndex score and grade), the same
figures the UI suite asserts. ``--write`` also stores a summary in
isp/templates/pages/_measures.html, shown on /ecoconception and /accessibilite, with the date
and the git commit measured: a dated measurement, never an undated fact (the undated claim of
the statements, every page within budget, is what tests/ui enforces at every run).

``--smoke`` measures only the public pages on a migrated, empty database (no demo seed, no
login): seconds, not minutes; it prints the table, never writes, and exits 1 when a page is
over budget (tests/ui/test_pages_benchmark.py runs it).

    .venv/bin/python -m benchmarks.pages [--write | --smoke]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
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
    GRADE_EXCEPTIONS,
    MAX_KB,
    MAX_REQUESTS,
    MIN_GRADE,
    PageFigures,
    PageMeter,
    ResolveContext,
    UnresolvedRoutes,
    build_url,
    figures_table,
    page_routes,
)
from tests.ui.server import (  # noqa: E402
    seed_database,
    server_env,
    start_server,
    stop_server,
    venv_bin,
)

MEASURES = ROOT / "isp" / "templates" / "pages" / "_measures.html"
#: The application's code: a measurement of a tree with changes there is marked as such.
APP_PATHS = ("isp", "billing", "evaluation", "mediation", "network", "subscribers", "support")


def git_commit() -> str:
    """The short sha of HEAD, with "+" when the application's code has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD")
    changed = [line for line in git("status", "--porcelain", "--", *APP_PATHS).splitlines()
               if not line.endswith(str(MEASURES.relative_to(ROOT)))]
    return sha + ("+" if changed else "")


def _migrate_only(url: str) -> None:
    done = subprocess.run([venv_bin("isp"), "db", "upgrade"], cwd=ROOT, env=server_env(url),
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode:
        raise RuntimeError(f"isp db upgrade failed:\n{done.stdout}\n{done.stderr}")


def measure_all(workdir: Path, *, smoke: bool = False) -> tuple[list[PageFigures], list[str]]:
    """Figures of every page and role; plus the routes skipped, with the reason.

    ``smoke``: the public pages only, on a migrated database without the demo.
    """
    from playwright.sync_api import sync_playwright

    from isp import create_app
    from isp.extensions import db
    from isp.models import User

    url = f"sqlite:///{workdir / 'pages.sqlite'}"
    if smoke:
        _migrate_only(url)
    else:
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
                    if smoke and role != "anonymous":
                        continue
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


def measures_html(rows: list[PageFigures], *, day: str, commit: str) -> str:
    """A Jinja partial for the statements: the dated summary of one measurement, and the pages
    below grade A or over budget (none expected: the UI suite fails on them).

    The full table (one row per page and role) would itself weigh a grade C page. The figures
    are those of ``commit`` on ``day``; tests/ui/test_statement.py checks they agree with the
    budget the suite enforces.
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
    figures = (f"day=\"{day}\", commit=\"{escape(commit)}\", n={len(rows)}, "
               f"median=\"{statistics.median(kbs):.1f}\", max=\"{max(kbs):.1f}\", "
               f"req={max(r.requests for r in rows)}, a={sum(r.grade == 'A' for r in rows)}")
    summary = ("{{ _(\"Dernière mesure, le %(day)s sur le commit %(commit)s : %(n)s vues de page "
               "(chaque page, chaque rôle), médiane %(median)s Ko, maximum %(max)s Ko, "
               "%(req)s requêtes au plus ; %(a)s en classe A.\", " + figures + ") }}")
    table = "" if not heavy else (
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" "
        "aria-label=\"{{ _(\"Pages hors objectif\") }}\"><table>\n"
        "<caption>{{ _(\"Pages hors objectif\") }}</caption>\n"
        "<thead><tr><th scope=\"col\">{{ _(\"Page (rôle)\") }}</th>"
        "<th scope=\"col\" class=\"num\">{{ _(\"Ko\") }}</th><th scope=\"col\" "
        "class=\"num\">{{ _(\"Requêtes\") }}</th><th scope=\"col\" class=\"num\">"
        "{{ _(\"Éléments\") }}</th><th scope=\"col\">EcoIndex</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody></table></div>\n")
    budget = ("{{ _(\"Objectif vérifié par la suite de tests à chaque exécution, avec les "
              "données de démonstration et avec trois ans d'historique : chaque page en classe "
              "%(grade)s, au plus %(kb)s Ko et %(req)s requêtes.\", "
              f"grade=\"{MIN_GRADE}\", kb={MAX_KB}, req={MAX_REQUESTS}) }}}}")
    return ("{# Generated by benchmarks/pages.py --write; do not edit by hand. #}\n"
            f"<p>{budget}</p>\n<p>{summary}</p>\n{table}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true",
                      help="store the dated summary in isp/templates/pages/_measures.html")
    mode.add_argument("--smoke", action="store_true",
                      help="public pages only, no demo seed (seconds); never writes")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="isp-pages-"))
    try:
        rows, skipped = measure_all(workdir, smoke=args.smoke)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(figures_table(rows))
    over = [r for r in rows if r.over_budget()]
    print(f"\n{len(rows)} page views; budget {MAX_KB} KB, {MAX_REQUESTS} requests, grade "
          f"{MIN_GRADE}; {len(over)} over budget")
    for row in over:
        print(f"  {row.endpoint} as {row.role}: {'; '.join(row.over_budget())}")
    for line in skipped:
        print(f"  not measured: {line}")
    if args.smoke:
        return 1 if over or not rows else 0
    if args.write:
        if GRADE_EXCEPTIONS:
            print("GRADE_EXCEPTIONS is not empty: the statement says every page is grade A")
        MEASURES.write_text(measures_html(rows, day=date.today().isoformat(),  # noqa: DTZ011
                                          commit=git_commit()), encoding="utf-8")
        print(f"written to {MEASURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
