"""README's commands, run exactly as written there (read from README.md, never restated)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(marker: str) -> list[str]:
    return re.findall(rf"{re.escape(marker)}\n```bash\n(.*?)\n```", README, flags=re.S)


def _first_command() -> str:
    return re.search(r"```bash\n(.*?)\n```", README, flags=re.S).group(1)


def test_the_walkthrough_commands_run_as_written(tmp_path):
    """Every block marked <!-- run --> runs in order, with this checkout's environment."""
    blocks = _blocks("<!-- run -->")
    assert len(blocks) >= 4
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for block in blocks:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 3), f"{block}\n{done.stderr}"
    assert json.loads((tmp_path / "plan.json").read_text())["routes"]
    assert (tmp_path / "routes.xlsx").exists() and (tmp_path / "map.html").exists()
    assert json.loads((tmp_path / "allocation.json").read_text())["allocations"]
    assert list((tmp_path / "nightly" / "plans").glob("*.html"))
    assert json.loads((tmp_path / "job.json").read_text())["status"] == "succeeded"
    held = {u["customer_id"]: u["reason"] for p in (tmp_path / "night2" / "plans").glob("*[!t].json")
            for u in json.loads(p.read_text())["unassigned"]}
    assert held.get("K000002") == "case_closed"  # paid in full on day 1 (examples/outcomes.csv)
    assert held.get("K000004") == "on_hold_after_complaint"
    helsinki = json.loads((tmp_path / "helsinki-plan.json").read_text())
    assert helsinki["travel_provider"] == "roads (two_wheeler, helsinki.roads)"
    assert helsinki["summary"]["visits"] > 0
    report = json.loads((tmp_path / "month" / "report.json").read_text())
    assert report["fieldplan"]["violations"] == 0 and (tmp_path / "month" / "report.html").exists()


def test_the_first_command_sets_up_and_runs_the_demo_on_a_fresh_checkout(tmp_path):
    """README's first command, in a copy of the tracked files with no environment."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    checkout = tmp_path / "checkout"
    for name in files:
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    command = _first_command()
    assert "fieldplan demo" in command
    done = subprocess.run(["bash", "-c", command], cwd=checkout, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = checkout / "fieldplan-demo"
    assert (out / "allocation.json").exists()
    assert len(list((out / "plans").glob("*.html"))) == 4
    assert len(list((out / "plans").glob("*.xlsx"))) == 4
