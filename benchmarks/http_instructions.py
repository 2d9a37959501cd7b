"""Instructions per request: each URL's server cost counted by valgrind's callgrind, a figure
that does not move with the machine's load or speed.

Latencies under load drift by ±30 % within a quarter of an hour on a shared 2-core machine (the
same URL, the same code: 254 then 177 req/s, issue 23.3), which hides a change of 5 or 10 %.
The instructions the server's Python process executes for a request do not drift (the same
count within 0.5 % run after run, whatever else runs): this script counts them for the URLs of
``benchmarks/http_load.py`` (its ``targets()``), requested through the Flask test client as the
demo operator (session) or with an API token, after a warm-up, against an already scaled
database (build one with ``http_load``). PostgreSQL's own work is not counted (see
``http_profile`` for it). Each URL is printed beside ``/api/v1/me``, the cheapest request (the
floor every request pays), and with ``--against REF`` beside the same URL served by that git
revision in the same run (a temporary worktree), so a change is measured against its peer.

    .venv/bin/python -m benchmarks.http_instructions [--database-url URL] [--requests 5]
        [--only SUBSTRING] [--against REF] [--smoke]

Needs valgrind and gcc (Debian packages valgrind, gcc; ``make test`` installs them): a
10-line C helper (callgrind's client requests) starts and stops the count around the
measured requests. About 1 s of valgrind per request and URL. ``--smoke`` (run by the test
suite, on the database of ``http_load --smoke``): ``/api/v1/me`` and ``/households``, one
request each.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from benchmarks.http_load import DEFAULT_URL  # noqa: E402

FLOOR = "/api/v1/me"

HELPER_C = """#include <valgrind/callgrind.h>
void count_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void count_stop(const char *name) { CALLGRIND_DUMP_STATS_AT(name);
                                    CALLGRIND_STOP_INSTRUMENTATION; }
"""


def build_helper(directory: Path) -> Path:
    """The shared library of the two client requests, compiled with gcc."""
    (directory / "count.c").write_text(HELPER_C)
    library = directory / "libcount.so"
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", str(library),
                    str(directory / "count.c")], check=True)
    return library


def child(tree: str, helper: str, database_url: str, requests: int, paths: list[str]) -> int:
    """Inside valgrind: warm each URL up, then count ``requests`` of it."""
    import ctypes
    import gc

    # This tree's helper, imported before the measured tree goes first on the path.
    from benchmarks.http_profile import operator_client

    sys.path.insert(0, tree)
    os.chdir(tree)
    count = ctypes.CDLL(helper)
    from isp import create_app

    client, token = operator_client(create_app("default", SQLALCHEMY_DATABASE_URI=database_url))
    for path in paths:
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        for _ in range(3):  # statement caches, templates, the token's first use
            status = client.get(path, headers=headers).status_code
        if status != 200:
            print(f"{path}: HTTP {status}", file=sys.stderr)
            return 1
        gc.collect()
        count.count_start()
        for _ in range(requests):
            client.get(path, headers=headers)
        count.count_stop(path.encode())
    return 0


def count_tree(tree: Path, helper: Path, database_url: str, requests: int,
               paths: list[str], work: Path) -> dict[str, int]:
    """Instructions per request of each path served by the code in ``tree``."""
    out = work / f"callgrind-{tree.name}"
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no",
         f"--callgrind-out-file={out}", sys.executable, "-m", "benchmarks.http_instructions",
         "--child", str(tree), "--helper", str(helper), "--database-url", database_url,
         "--requests", str(requests), *(f"--path={path}" for path in paths)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"valgrind run on {tree} failed:\n{done.stderr[-3000:]}")
    counts = {}
    for dump in sorted(work.glob(f"{out.name}.*")):
        text = dump.read_text(errors="replace")
        name = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if name and total:
            counts[name.group(1)] = int(total.group(1)) // requests
        dump.unlink()
    return counts


def worktree(ref: str, work: Path) -> Path:
    """A checkout of ``ref`` beside the repository, its translations compiled."""
    path = work / "against"
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(path), ref],
                   cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["bash", "scripts/translations.sh", "compile"], cwd=path, check=False,
                   capture_output=True)
    return path


def remove_worktree(path: Path) -> None:
    """Remove a checkout ``worktree`` made (its files and git's record of it)."""
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False,
                   capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=5, help="counted requests per URL")
    parser.add_argument("--only", action="append", default=[],
                        help="only URLs containing this (repeatable)")
    parser.add_argument("--against", metavar="REF",
                        help="also count the URLs served by this git revision (its peer)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    parser.add_argument("--path", action="append", default=[], help=argparse.SUPPRESS)
    args = _smoke.parse_args(parser, argv, {"requests": 1, "only": ["/households"]})
    if args.child:
        return child(args.child, args.helper, args.database_url, args.requests, args.path)
    checks = _smoke.Checks()

    from benchmarks.http_load import targets

    pages, apis = targets(args.database_url)
    paths = [path for path in pages + apis
             if not args.only or any(part in path for part in args.only)]
    if args.smoke:
        paths = paths[:1]
    paths = [FLOOR] + [path for path in paths if path != FLOOR]
    with tempfile.TemporaryDirectory(prefix="isp-instructions-") as directory:
        work = Path(directory)
        helper = build_helper(work)
        here = count_tree(ROOT, helper, args.database_url, args.requests, paths, work)
        peer: dict[str, int] = {}
        if args.against:
            tree = worktree(args.against, work)
            try:
                peer = count_tree(tree, helper, args.database_url, args.requests, paths, work)
            finally:
                remove_worktree(tree)
    floor = here.get(FLOOR)
    checks.check(bool(floor), f"{FLOOR} counted (the floor)")
    print(f"{args.requests} request(s) counted per URL after 3 of warm-up; millions of "
          f"instructions per request (the server's process; PostgreSQL not counted)")
    if peer:
        print(f"| URL | this tree | {args.against} | change | × {FLOOR} |")
        print("|---|---:|---:|---:|---:|")
    else:
        print(f"| URL | this tree | × {FLOOR} |")
        print("|---|---:|---:|")
    for path in paths:
        count = here.get(path)
        if not checks.check(count is not None, f"{path} counted"):
            continue
        times = f"{count / floor:.1f}" if floor else "?"
        if peer:
            before = peer.get(path)
            change = f"{100 * (count / before - 1):+.0f} %" if before else "?"
            shown = f"{before / 1e6:.1f}" if before else "?"
            print(f"| `{path}` | {count / 1e6:.1f} | {shown} | {change} | {times} |")
        else:
            print(f"| `{path}` | {count / 1e6:.1f} | {times} |")
    if peer:
        total, before = sum(here.values()), sum(peer.get(path, 0) for path in here)
        if before:
            print(f"sum over the URLs: {total / 1e6:.0f} M against {before / 1e6:.0f} M "
                  f"({100 * (total / before - 1):+.0f} %)")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
