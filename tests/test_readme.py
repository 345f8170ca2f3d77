"""README's commands, run exactly as written there (read from README.md, never restated)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests import background
from tests.background import Background

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(marker: str) -> list[str]:
    return re.findall(rf"{re.escape(marker)}\n```bash\n(.*?)\n```", README, flags=re.S)


def _first_command() -> str:
    return re.search(r"```bash\n(.*?)\n```", README, flags=re.S).group(1)


def _walkthrough(run: Background) -> list[tuple[str, subprocess.CompletedProcess]]:
    """Every block marked <!-- run --> in order, with this checkout's environment, until one
    fails."""
    (run.folder / ".venv").symlink_to(Path(sys.executable).parents[1])
    (run.folder / "examples").symlink_to(ROOT / "examples")
    done = []
    for block in _blocks("<!-- run -->"):
        done.append((block, run.run(["bash", "-euo", "pipefail", "-c", block], run.folder,
                                    timeout=300)))
        if done[-1][1].returncode not in (0, 3):
            break
    return done


def _fresh_checkout(run: Background) -> subprocess.CompletedProcess:
    """README's first command in a copy of the tracked files with no environment."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for name in files:
        target = run.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    return run.run(["bash", "-c", _first_command()], run.folder, timeout=900)


WALKTHROUGH = "test_the_walkthrough_commands_run_as_written"
FIRST_COMMAND = "test_the_first_command_sets_up_and_runs_the_demo_on_a_fresh_checkout"
WORK = {FIRST_COMMAND: _fresh_checkout, WALKTHROUGH: _walkthrough}


def start(name: str) -> Background:
    """The work of test ``name``, started now unless tests/conftest.py started it once the
    session had collected."""
    return background.start(name, WORK[name])


def test_the_walkthrough_commands_run_as_written():
    """Every block marked <!-- run --> runs in order, with this checkout's environment."""
    run = start(WALKTHROUGH)
    results = run.future.result(timeout=1800)
    assert len(results) >= 4
    for block, done in results:
        assert done.returncode in (0, 3), f"{block}\n{done.stderr}"
    assert len(results) == len(_blocks("<!-- run -->"))
    here = run.folder
    assert json.loads((here / "plan.json").read_text())["routes"]
    assert (here / "routes.xlsx").exists() and (here / "map.html").exists()
    assert json.loads((here / "allocation.json").read_text())["allocations"]
    assert list((here / "nightly" / "plans").glob("*.html"))
    assert json.loads((here / "job.json").read_text())["status"] == "succeeded"
    held = {u["customer_id"]: u["reason"] for p in (here / "night2" / "plans").glob("*[!t].json")
            for u in json.loads(p.read_text())["unassigned"]}
    assert held.get("K000002") == "case_closed"  # paid in full on day 1 (examples/outcomes.csv)
    assert held.get("K000004") == "on_hold_after_complaint"
    helsinki = json.loads((here / "helsinki-plan.json").read_text())
    assert helsinki["travel_provider"] == "roads (two_wheeler, helsinki.roads)"
    assert helsinki["summary"]["visits"] > 0
    assert (here / "week-tables.xlsx").exists() and (here / "week-tables-2026-12-11.html").exists()
    report = json.loads((here / "month" / "report.json").read_text())
    assert report["fieldplan"]["violations"] == 0 and (here / "month" / "report.html").exists()


def test_the_first_command_sets_up_and_runs_the_demo_on_a_fresh_checkout():
    """README's first command, in a copy of the tracked files with no environment."""
    assert "fieldplan demo" in _first_command()
    run = start(FIRST_COMMAND)
    done = run.future.result(timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    out = run.folder / "fieldplan-demo"
    assert (out / "allocation.json").exists()
    assert len(list((out / "plans").glob("*.html"))) == 4
    assert len(list((out / "plans").glob("*.xlsx"))) == 4
