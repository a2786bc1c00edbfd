"""The house rules of ``mrc/``, checked on the source (docs/architecture.md draws them).

* ``mrc.privacy`` is pure: no Flask, no SQLAlchemy, nothing else of ``mrc``.
* Capture (cases, outreach, leaflets, imports, survey) never imports outputs (aggregates, impact,
  reports, panels): data flows one way, from capture to records to outputs.
* Every import goes to the same floor or a lower one, except the deliberate ones listed in
  ``DELIBERATE`` (each with its reason, also in docs/architecture.md).
* No import cycle between modules, counting every import: at the top, inside functions and
  under ``TYPE_CHECKING``.
* No file in ``mrc/`` is longer than 400 lines.

Imports are read with :mod:`ast`, so an import inside a function counts as much as one at
the top: the drawing is of what depends on what, not of when it is loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mrc"
MAX_LINES = 400

# Floors, lowest first. A unit is a feature package (mrc/<name>/) or a top-level module.
FLOORS: dict[str, int] = {
    # 0 foundation: settings, extensions, pure privacy code, shared vocabulary of errors
    "config": 0, "settings": 0, "extensions": 0, "validation": 0, "calendars": 0,
    "i18n": 0, "privacy": 0, "database": 0, "errors": 0, "transactions": 0, "features": 0,
    "paging": 0, "caching": 0,
    "signals": 0, "keys": 0,
    "spreadsheets": 0, "places": 0,
    # 1 the organisation (regions, countries, MRCs), its people and their rights, and the
    #   record of what they did: one floor, as each refers to the others' models
    "org": 1, "auth": 1, "audit": 1,
    # 2 shared form and view pieces; background jobs (infrastructure: features register
    #   their kinds, jobs imports none)
    "forms": 1, "routing": 1, "jobs": 2, "security": 2,
    # 3 capture: the records, and the one scoping function over them
    "cases": 3, "outreach": 3, "leaflets": 3, "imports": 3, "survey": 3, "scope": 3,
    "referrals": 3,
    # 4 outputs: read records, never write them
    "aggregates": 4, "impact": 4, "reports": 4, "panels": 4, "trends": 4,
    # 5 wiring and tools that use everything
    "admin": 5, "home": 5, "demo": 5, "templating": 5, "models": 5, "cli": 5,
    "commands": 5, "serving": 5, "api": 5, "webhooks": 5, "capture": 5,
    "__main__": 5, "mrc": 5,
}
CAPTURE = {"cases", "outreach", "leaflets", "imports", "survey", "referrals"}
OUTPUTS = {"aggregates", "impact", "reports", "panels", "trends"}

# (importing module, imported unit): why an arrow may run up a floor.
DELIBERATE: dict[tuple[str, str], str] = {
    ("mrc.jobs.runner", "mrc"):
        "an RQ worker process starts with no app: run_job_in_worker builds one (create_app)",
    ("mrc.leaflets.render", "mrc"):
        "the library render's worker processes build their own app (create_app)",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imported_names(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            for alias in node.names:
                # ``from mrc import keys`` depends on mrc.keys, not on the package's __init__.
                submodule = f"{name}.{alias.name}"
                yield submodule if submodule in MODULES else name


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every ``mrc`` module that ``module`` imports (the longest existing prefix)."""
    targets = set()
    for name in _imported_names(module, MODULES[module]):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            targets.add(name)
    return frozenset(targets)


def third_party_imports(module: str) -> set[str]:
    return {name.split(".")[0] for name in _imported_names(module, MODULES[module])}


def unit(module: str) -> str:
    parts = module.split(".")
    return "mrc" if len(parts) == 1 else parts[1]


def test_every_unit_has_a_floor() -> None:
    missing = {unit(m) for m in MODULES} - set(FLOORS)
    assert not missing, f"give these a floor in FLOORS and docs/architecture.md: {missing}"


def test_privacy_is_pure() -> None:
    offenders = {}
    for module in MODULES:
        if unit(module) != "privacy":
            continue
        banned = {name for name in third_party_imports(module)
                  if name in ("flask", "sqlalchemy", "werkzeug", "jinja2")
                  or name.startswith("flask_")}
        banned |= {m for m in imports_of(module) if unit(m) != "privacy"}
        if banned:
            offenders[module] = sorted(banned)
    assert not offenders


def test_capture_never_imports_outputs() -> None:
    offenders = {(m, t) for m in MODULES if unit(m) in CAPTURE
                 for t in imports_of(m) if unit(t) in OUTPUTS}
    assert not offenders, sorted(offenders)


def test_imports_go_down_or_level() -> None:
    upward = sorted({(m, unit(t)) for m in MODULES for t in imports_of(m)
                     if FLOORS[unit(t)] > FLOORS[unit(m)]})
    unexplained = [arrow for arrow in upward if arrow not in DELIBERATE]
    assert not unexplained, "an arrow up a floor: invert it, or list it in DELIBERATE"
    stale = set(DELIBERATE) - set(upward)
    assert not stale, f"no longer needed, remove from DELIBERATE: {stale}"


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert find_cycles({m: imports_of(m) for m in MODULES}) == []


def test_the_checker_sees_what_it_must() -> None:
    """A checker that cannot fail checks nothing: it finds a planted cycle, and it reads
    imports inside functions."""
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    # mrc.cli imports create_app inside main(): that arrow is seen.
    assert "mrc" in imports_of("mrc.cli")
    assert "mrc.aggregates" not in {unit(t) for t in imports_of("mrc.cases.models")}
    assert "mrc.extensions" in imports_of("mrc.cases.models")


def test_no_file_over_400_lines() -> None:
    long_files = {str(path.relative_to(ROOT)): n for path in MODULES.values()
                  if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long_files, f"split these into cohesive modules: {long_files}"
