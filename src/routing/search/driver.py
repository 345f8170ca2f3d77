"""The search's recipe: pack the day, anneal phase by phase within the budget, unpack the best
plan. The compiled steps are built on the first search of a process (or by :func:`warm_up`)
and cached on disk, so later processes load them."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from common.budget import Budget
from routing.prepare import Prepared
from routing.search.anneal import phases, run_steps
from routing.search.anneal import seed as seed_steps
from routing.search.arrays import PackedDay, pack
from routing.search.insert import new_undo
from routing.search.params import DEFAULT, SearchParams
from routing.search.segment import new_labels
from routing.search.timing import cost, new_routes, time_all

# Hears the objective of each better plan (value units; None while a mandatory customer is
# left out).
ImprovementCallback = Callable[[float | None], None]


def improve(prepared: Prepared, routes: list[list[int]], budget: Budget, *, seed: int = 0,
            params: SearchParams = DEFAULT,
            on_improvement: ImprovementCallback | None = None) -> tuple[list[list[int]], int]:
    """Improve ``routes`` (customer indices per collector) within ``budget``. Returns the best
    routes found and how many steps ran."""
    day = pack(prepared, params)
    n, k = len(day.ids), len(prepared.problem.collectors)
    if n == 0 or k == 0:
        return [list(r) for r in routes], 0
    seq = np.zeros((k, n + 1), dtype=np.int64)
    length = np.zeros(k, dtype=np.int64)
    for v, route in enumerate(routes):
        rows = [day.row[i] for i in route if i in day.row]
        seq[v, :len(rows)] = rows
        length[v] = len(rows)
    state = new_routes(seq, length, n)
    undo = new_undo(n, k, n + 1)
    labels = new_labels(day.arrays.moves.segment_size)
    _restart(state, undo, day)
    best_seq, best_len = state.seq.copy(), state.length.copy()
    costs = np.zeros(2, dtype=np.int64)  # current, best
    costs[0] = costs[1] = cost(state, day.arrays)
    seed_steps(seed)
    started = time.monotonic()
    span = max(1e-9, budget.deadline - started)
    max_steps = budget.max_steps
    steps = 0
    phase_from = 0.0
    for phase, (t_start, t_end, until) in enumerate(phases(day, params)):
        if phase > 0:
            state.seq[:], state.length[:] = best_seq, best_len
            _restart(state, undo, day)
            costs[0] = costs[1]
        while not budget.spent(steps):
            share = (steps / max_steps if max_steps is not None
                     else (time.monotonic() - started) / span)
            if share >= until:
                break
            chunk = params.chunk if max_steps is None else min(params.chunk, max_steps - steps)
            local = (share - phase_from) / (until - phase_from)
            temperature = t_start * (t_end / t_start) ** local
            best_before = costs[1]
            run_steps(chunk, temperature, costs, state, best_seq, best_len, day.arrays, undo,
                      labels)
            steps += chunk
            if on_improvement is not None and costs[1] < best_before:
                missed = costs[1] >= day.arrays.terms.miss_cost
                on_improvement(None if missed else -float(costs[1]) / 3600)
        phase_from = until
    out = [[int(day.ids[r]) for r in best_seq[v, :best_len[v]]] for v in range(k)]
    return out, steps


def _restart(state, undo, day: PackedDay) -> None:
    """Take ``seq``/``length`` as the current plan: who visits whom, travel, load and times
    recomputed, nothing in the pool."""
    state.route_of[:] = -1
    for a in (undo.pool, undo.in_pool, undo.touched, undo.dirty):
        a[:] = 0
    time_all(state, day.arrays)


_warm = False


def warm_up() -> None:
    """Build (or load from the disk cache) every compiled step on a two-customer day, so that
    no solve pays for it inside its time limit. Once per process; later calls return at once."""
    global _warm
    if _warm:
        return
    _drop_stale_cache()
    from routing.prepare import prepare
    from routing.problem import Collector, Customer, Problem, TimeWindow, TravelMatrix

    matrix = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]], dtype=np.int32)
    customers = tuple(Customer(str(k), k, 10, 1, (TimeWindow(0, 100),)) for k in (1, 2))
    tiny = Problem((Collector("c", 0, 0, 0, 100),), customers, TravelMatrix(matrix, matrix))
    improve(prepare(tiny), [[0]], Budget.seconds(60, max_steps=2))
    _warm = True


def _drop_stale_cache() -> None:
    """Numba's disk cache notices a change to a function's own file, not to the functions it
    calls in other files: when any source of this package changed since the cache was written,
    the whole cache goes, and the steps are built anew."""
    folder = Path(__file__).parent
    sources = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.glob("*.py"))))
    stamp = folder / "__pycache__" / "search-sources.sha256"
    try:
        if stamp.exists() and stamp.read_text() == sources.hexdigest():
            return
        for cached in (*stamp.parent.glob("*.nbi"), *stamp.parent.glob("*.nbc")):
            cached.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(sources.hexdigest())
    except OSError:
        pass  # a read-only install: Numba then keeps its cache elsewhere, or none
