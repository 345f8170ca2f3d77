"""The status line of a solve: the best never moves the wrong way, the clock ticks on its own."""

from __future__ import annotations

from api.commands.progress import ProgressLine


def test_the_best_objective_and_the_bound_never_move_the_wrong_way():
    line = ProgressLine("allocating 3 cases", limit=60, started=0.0, clock=lambda: 5.0)
    assert line.text() == "allocating 3 cases (5/60 s)"
    for best, bound in ((100.0, 180.0), (120.0, 150.0), (110.0, 170.0), (None, None)):
        line.heard({"best_objective": best, "bound": bound})
    assert line.text() == "allocating: best objective so far 120.00, bound 150.00 (5/60 s)"
    line.heard({"best_objective": 90.0, "bound": 100.0})  # a bound below the best is not shown
    assert "best objective so far 120.00, bound 120.00" in line.text()


def test_the_clock_ticks_between_solutions():
    now = [0.0]
    line = ProgressLine("planning 60 customers", limit=10, started=0.0, clock=lambda: now[0])
    line.heard({"best_objective": 1234.5})
    shown = []
    for t in (1.0, 2.0, 3.0):  # no progress arrives; each refresh reads the clock again
        now[0] = t
        shown.append(line.__rich__())
    assert [s.rsplit("(", 1)[1] for s in shown] == ["1/10 s)", "2/10 s)", "3/10 s)"]
