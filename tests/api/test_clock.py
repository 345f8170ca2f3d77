"""A command's time limit is the whole command's: the clock starts at launch, and the solve
ends early enough for the outputs to be written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from api import runs
from api.commands import clock
from api.schemas.plan import PlanRequest
from tests.api.test_service import small_day


def test_the_program_starts_the_clock_before_loading_the_command_line():
    probe = ("import time\n"
             "from api import launch\n"
             "time.sleep(0.3)\n"
             "from api.commands import clock\n"
             "clock.start(launch.STARTED)\n"
             "import api.cli\n"
             "print(time.monotonic() - clock.started())\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert float(done.stdout) >= 0.3


def test_writing_time_is_kept_from_the_solve():
    assert clock.writing_seconds([Path("plan.json")], 1000) < clock.writing_seconds(
        [Path("plan.json"), Path("routes.xlsx")], 1000)
    assert clock.writing_seconds([], 5000) == clock.writing_seconds([Path("a.json")], 5000)
    day = runs.check_plan(PlanRequest.model_validate(small_day()))
    assert runs._shortened(day.problem, 0.5).options.time_limit == (
        day.problem.options.time_limit - 0.5)
    assert runs._shortened(day.problem, 1e6).options.time_limit == (
        day.problem.options.time_limit / 10)
