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


ALLOWED = {
    "common": {"common"},
    "routing": {"routing", "common"},
    "allocation": {"allocation", "common"},
    "api": {"api", "routing", "allocation", "common", "benchmarks"},
}
OURS = {"common", "routing", "allocation", "api", "benchmarks", "tests"}


def test_imports_point_one_way():
    """Engines import only themselves and the shared package; api imports the engines."""
    for package, allowed in ALLOWED.items():
        folder = "api" if package == "api" else f"src/{package}"
        for path in _sources(folder):
            assert (_imports(path) & OURS) <= allowed, path


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
