"""What the application imports at run time is installed by ``make run``.

``make run`` installs ``[project].dependencies`` (and the ``lab`` extra); the tests install the
``test`` extra on top. A module imported by the application but reached only through a test
dependency passes every test and fails from a fresh clone: pydantic came in through
schemathesis that way until 66d43d5. This reads every import of the application's packages and
asks which installed distribution provides it.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements install, their own requirements included."""
    seen: set[str] = set()
    pending = [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            pending += [Requirement(text) for text in metadata.requires(name) or []]
        except metadata.PackageNotFoundError:
            continue
    return seen


def _application_packages() -> list[str]:
    patterns = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.rstrip("*") for pattern in patterns]


def _imported_roots(package: str) -> dict[str, str]:
    """Top-level modules imported anywhere in ``package`` → one file importing it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_runtime_import_is_installed_by_make_run():
    first_party = set(_application_packages())
    providers = metadata.packages_distributions()
    runtime = _closure(PYPROJECT["project"]["dependencies"])
    with_lab = runtime | _closure(PYPROJECT["project"]["optional-dependencies"]["lab"])
    missing, checked = [], 0
    for package in sorted(first_party):
        installed_by_make_run = with_lab if package == "lab" else runtime
        for module, where in sorted(_imported_roots(package).items()):
            if module in first_party or module in sys.stdlib_module_names \
                    or module == "__future__":
                continue
            checked += 1
            distributions = {canonicalize_name(d) for d in providers.get(module, [])}
            if not distributions & installed_by_make_run:
                missing.append(f"{module} ({where}; from {sorted(distributions) or '?'})")
    assert checked > 20  # the scan did read the application's imports
    assert missing == [], "imported at run time, not installed by make run: " + ", ".join(
        missing)


def test_the_check_sees_a_test_only_dependency():
    """The same closure leaves out what only the tests install (the case it exists for)."""
    runtime = _closure(PYPROJECT["project"]["dependencies"])
    assert "pydantic" in runtime and "flask" in runtime and "werkzeug" in runtime
    assert "schemathesis" not in runtime and "pytest" not in runtime
    assert "ezsnmp" not in runtime and "snmpsim" not in runtime
