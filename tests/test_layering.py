"""The architecture holds: OR-Tools in one module per engine, engines free of adapters,
dependencies pointing from api to the engines, imports resolving to this checkout."""

from __future__ import annotations

import ast
from pathlib import Path

import api
import routing

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_ortools_is_imported_only_in_the_model_module_of_each_engine():
    users = [p.relative_to(ROOT).as_posix() for p in _sources("src")
             if "ortools" in _imports(p)]
    assert users == ["src/allocation/model.py", "src/routing/model.py"]


def test_engines_import_no_adapter_libraries():
    forbidden = {"pydantic", "fastapi", "starlette", "sqlalchemy", "typer", "rich", "api"}
    for path in _sources("src"):
        assert not (_imports(path) & forbidden), path


OURS = {"common", "routing", "allocation", "followup", "simulation", "verify", "roads", "api",
        "benchmarks", "tests"}

# Every edge of the import graph between our units: the packages under src/, benchmarks/, and
# each module or sub-package of api/. An edge not listed here fails the test; so does a listed
# edge that no longer exists, so the table stays the true graph.
ALLOWED = {
    "common": set(),
    "routing": {"common"},
    "allocation": {"common"},
    "verify": {"common"},
    "roads": {"common"},
    "followup": {"common"},
    "simulation": {"followup"},
    # The national night is made of demo cities (api.demo).
    "benchmarks": {"routing", "allocation", "followup", "simulation", "verify", "roads",
                   "api.db", "api.demo", "api.runs", "api.schemas", "api.simulate"},
    "api": set(),
    "api.cli": {"api.commands"},
    "api.launch": {"api.cli", "api.commands"},
    "api.commands": {"routing", "allocation", "common", "roads", "simulation", "api.access_log",
                     "api.config", "api.day_tables", "api.db", "api.defaults", "api.demo",
                     "api.errors", "api.keys", "api.locate", "api.map_page",
                     "api.night",
                     "api.outcome_tables", "api.outputs", "api.simulate", "api.simulate_report",
                     "api.runs", "api.schemas", "api.tables", "api.week_outputs",
                     "api.week_tables"},
    "api.access_log": set(),
    "api.config": {"api.defaults"},
    "api.day_tables": {"api.defaults", "api.schemas", "api.tables"},
    "api.db": {"api.config", "api.schemas", "api.tables"},
    "api.defaults": set(),
    "api.demo": {"roads"},  # a demo city from an extract's addresses
    "api.deps": {"api.config", "api.jobs", "api.keys", "api.schemas"},
    "api.errors": {"common", "api.db", "api.jobs", "api.schemas"},
    # Big allocations go to the nightly job's Dask cluster (api.night.service).
    "api.jobs": {"routing", "allocation", "common", "api.config", "api.db", "api.locate",
                 "api.metrics", "api.night", "api.runs", "api.schemas"},
    "api.geocoders": {"roads", "api.defaults"},
    # Addresses to locations, for the command line and the service alike.
    "api.locate": {"common", "roads", "api.defaults", "api.geocoders", "api.schemas"},
    "api.keys": {"api.db", "api.jobs"},
    "api.main": {"api.config", "api.db", "api.errors", "api.jobs", "api.middleware",
                 "api.routes"},
    "api.map_page": {"api.defaults", "api.schemas"},
    "api.metrics": set(),
    "api.middleware": {"api.errors", "api.metrics"},
    "api.night": {"api.day_tables", "api.db", "api.locate", "api.map_page", "api.outcome_tables",
                  "api.outputs", "api.runs", "api.schemas", "api.tables"},
    "api.outcome_tables": {"api.schemas", "api.tables"},
    "api.outputs": {"api.schemas"},
    "api.routes": {"api.config", "api.db", "api.deps", "api.jobs", "api.map_page", "api.metrics",
                   "api.outcome_tables", "api.schemas"},
    "api.runs": {"routing", "allocation", "api.schemas"},
    # The simulated month counts rule violations with the independent checker (verify).
    "api.simulate": {"api.runs", "api.schemas", "common", "followup", "simulation", "verify"},
    "api.simulate_report": set(),
    "api.week_outputs": {"api.map_page", "api.outputs", "api.schemas"},
    "api.week_tables": {"api.day_tables", "api.schemas", "api.tables"},
    "api.schemas": {"routing", "allocation", "followup", "common", "roads", "api.defaults"},
    "api.tables": {"api.schemas", "roads"},
}


def _unit(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[0] == "src":
        return parts[1]
    if parts[0] == "api" and len(parts) > 1 and parts[1] != "__init__":
        return f"api.{parts[1]}"
    return parts[0]


def _targets(path: Path) -> set[str]:
    """Our units that ``path`` imports (at any depth, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = ([f"api.{a.name}" for a in node.names] if node.module == "api"
                       else [node.module])
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] in OURS:
                found.add(".".join(parts[:2]) if parts[0] == "api" else parts[0])
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for folder in ("src", "api", "benchmarks"):
        for path in _sources(folder):
            unit = _unit(path)
            graph.setdefault(unit, set()).update(_targets(path) - {unit})
    return graph


def test_the_import_graph_is_the_allowed_one():
    """Engines import only the shared package; api imports the engines; no sub-package of api
    imports its way back; nothing imports the tests or the benchmarks."""
    assert _graph() == ALLOWED


def test_the_allowed_graph_has_no_loop():
    seen: dict[str, str] = {}

    def visit(unit: str) -> None:
        seen[unit] = "open"
        for target in ALLOWED.get(unit, ()):
            assert seen.get(target) != "open", f"import loop through {unit} and {target}"
            if target not in seen:
                visit(target)
        seen[unit] = "done"

    for unit in ALLOWED:
        if unit not in seen:
            visit(unit)


def test_packages_resolve_to_this_checkout():
    assert Path(routing.__file__).resolve().is_relative_to(ROOT / "src")
    assert Path(api.__file__).resolve().is_relative_to(ROOT)


def test_public_names_of_the_allocation_engine_are_stable():
    import allocation

    assert set(allocation.__all__) == {
        "AllocationError", "AllocationProblem", "AllocationResult", "Case", "CaseAllocation",
        "Collector", "CollectorLoad", "InvalidAllocation", "Options", "Placement", "Policy",
        "Unallocated", "UnallocatedCase", "solve", "warm_up"}


def test_public_names_of_the_routing_engine_are_stable():
    assert set(routing.__all__) == {
        "Break", "Collector", "Customer", "InvalidProblem", "Options", "Plan", "Policy", "Problem",
        "Reason", "Route", "RoutingError", "Status", "Step", "StepKind", "Summary", "TimeWindow",
        "TravelMatrix", "Unassigned", "custom_matrix", "geodesic_matrix", "solve",
        "warm_up"}
    for name in routing.__all__:
        assert hasattr(routing, name)
