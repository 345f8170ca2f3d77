"""The simulated month through the real command: its report agrees with its visit logs, and
the violations are recomputed here from the Fieldplan log alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verify.visit_log import violations

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


def test_a_short_simulation_reports_what_its_logs_say(tmp_path):
    done = subprocess.run([FIELDPLAN, "simulate", "--days", "5", "--cases", "80",
                           "--collectors", "2", "--plan-seconds", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert "<svg" in (tmp_path / "report.html").read_text()
    for name in ("fieldplan", "baseline"):
        log = json.loads((tmp_path / f"visits_{name}.json").read_text())
        paid = sum(v.get("amount", 0) for v in log if v["outcome"].startswith("paid"))
        assert abs(report[name]["recovered"] - paid) < 0.01
        assert report[name]["visits"] == len(log) > 0
        assert report[name]["violations"] == len(violations(log, "Asia/Shanghai"))
    ours = json.loads((tmp_path / "visits_fieldplan.json").read_text())
    assert violations(ours, "Asia/Shanghai") == []
    assert report["fieldplan"]["checked_on_due_day"] == report["fieldplan"]["promises_due"]
    # Nobody works on Sunday (2026-12-13 is the seventh day; five days end on Friday).
    assert all(v["visited_at"][:10] <= "2026-12-11" for v in ours)


def test_bad_simulation_options_are_refused():
    done = subprocess.run([FIELDPLAN, "simulate", "--out", "x", "--profile", "lazy"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--profile" in done.stderr
