"""The data charter, checked on the code itself: nothing changes a household's tier, association
or service level without a named person's decision.

Decisions are service functions whose names say so (decide_*, assign*, reduce_service, suspend,
terminate, subscribe, restore_service). Each must take a keyword ``actor``; every call to one
outside tests must pass an actor that is not the constant None. Writes to a subscription's tier
or an assignment record may only happen inside such functions (or imports, which record the
``--decided-by`` person, and demo seeds). The only automatic changes allowed by the charter are
restoring service when debt is cleared and network outage tickets: they are listed here by name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("isp", "subscribers", "network", "billing", "support", "mediation", "evaluation")
DECISION = re.compile(r"^(decide_\w+|assign(_\w+)?|reassign(_\w+)?|reduce_service|"
                      r"restore_service|suspend|terminate|subscribe|approve_\w+)$")
#: Automatic changes the charter allows (restoring service after payment).
ALLOWED_AUTOMATIC = {"restore_service"}


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _decision_functions():
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and DECISION.match(node.name) \
                    and path.name.startswith(("services", "lifecycle", "eligibility", "dunning")):
                yield path, node


def test_decision_services_take_a_keyword_actor():
    missing = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
               for path, node in _decision_functions()
               if "actor" not in [arg.arg for arg in node.args.kwonlyargs]]
    assert missing == []


def test_no_decision_is_called_without_a_person():
    names = {node.name for _path, node in _decision_functions()}
    offenders = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            if name not in names or name in ALLOWED_AUTOMATIC:
                continue
            actor = next((kw.value for kw in node.keywords if kw.arg == "actor"), None)
            if actor is None or (isinstance(actor, ast.Constant) and actor.value is None):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


def test_tier_and_assignment_are_written_only_by_decisions():
    offenders = []
    for path, tree in _sources():
        if path.name.startswith(("demo", "imports")):
            continue
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            if DECISION.match(function.name):
                continue
            for node in ast.walk(function):
                writes_tier = isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "tier" for t in node.targets)
                creates_assignment = isinstance(node, ast.Call) and getattr(
                    node.func, "id", None) == "Assignment"
                if writes_tier or creates_assignment:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} in "
                                     f"{function.name}")
    assert offenders == []


def test_the_checks_see_the_decision_services():
    """Guard against the scan silently finding nothing (a renamed module, a moved file)."""
    found = {node.name for _path, node in _decision_functions()}
    assert found, "no decision service found: the charter checks would be empty"
