"""Plan a day from Python, without the command line or the service.

    .venv/bin/python examples/library.py

Build the engine's problem directly from frozen dataclasses (integer seconds, metres and cents),
solve it, and read the plan."""

from __future__ import annotations

import numpy as np

from routing import solve
from routing.problem import Collector, Customer, Options, Problem, TimeWindow, TravelMatrix

# Locations 0 (the branch), 1..3 (customers); travel times in seconds.
durations = np.array([[0, 600, 900, 1200],
                      [600, 0, 400, 800],
                      [900, 400, 0, 500],
                      [1200, 800, 500, 0]], dtype=np.int32)
travel = TravelMatrix(durations=durations, distances=durations * 8)  # about 29 km/h

hour = 3600
all_day = (TimeWindow(8 * hour, 22 * hour),)  # the legal visiting hours in China
problem = Problem(
    collectors=(Collector(id="zhang", start_location=0, end_location=0,
                          shift_start=9 * hour, shift_end=17 * hour),),
    customers=(
        Customer(id="K1", location=1, value=180_000, service_duration=1200,
                 time_windows=(TimeWindow(10 * hour, 11 * hour),), mandatory=True),
        Customer(id="K2", location=2, value=50_000, service_duration=900, time_windows=all_day),
        Customer(id="K3", location=3, value=95_000, service_duration=900, time_windows=all_day),
    ),
    travel=travel,
    options=Options(time_limit=2, deterministic=True, work_limit=200),
)

plan = solve(problem)
for route in plan.routes:
    stops = [f"{s.customer} at {s.service_start // hour:02d}:{s.service_start % hour // 60:02d}"
             for s in route.steps if s.customer is not None]
    print(f"{route.collector}: {', '.join(stops)}")
for left in plan.unassigned:
    print(f"not planned: {left.customer} ({left.reason.value})")
print(f"objective: {plan.summary.objective / 100:,.2f}")
