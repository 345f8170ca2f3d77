"""Ruin and recreate: improving a day plan with compiled string removals and best insertions.

The method is slack induction by string removals (SISR, Christiaens and Vanden Berghe, 2020):
each step takes out strings of consecutive visits from a few neighbouring routes around a random
customer (with the left-out customers near it), puts the customers back one by one at their
best feasible place, and keeps the new plan by simulated annealing. Where travel only breaks
ties (value is all, as in the TOPTW), a share of the steps instead re-plans a short stretch of a
route exactly, by dynamic programming over its customers and the left-out ones near it. A step
costs microseconds because it runs compiled (Numba) on integer arrays: one row per customer and
per collector, the travel matrix as it is.

Every rule of the engine's own timing (:mod:`routing.schedule`) is checked the same way here:
shifts, windows (several per customer), the lunch break, visit and travel caps and load; who
may visit whom comes from the screening. The objective is the routing model's: value (with the
relationship bonus) minus travel cost, a mandatory customer left out costing more than any plan
is worth, minus the balance cost of the busiest route. The caller re-times the routes with
:class:`routing.schedule.RouteTimer` before taking them.

The compiled functions are cached on disk (``cache=True``): the first run on a machine compiles
them (seconds), later processes load them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import numba
import numpy as np

from routing.problem import Problem

# Customer columns.
_LOC, _SVC, _NWIN, _PREF, _MAND, _DEMAND = range(6)
# Collector columns.
_START, _END, _SS, _SE, _BES, _BLE, _BDUR, _MAXV, _MAXT, _CAP = range(10)

# SISR's parameters (the paper's: on average 10 customers out, strings of at most 10, split
# strings half of the time, a place skipped with probability 0.01).
AVERAGE_REMOVED = 10
MAX_STRING = 10
BLINK = 0.01
# Simulated annealing from T_START to T_END (times the mean cost of the arc from a customer to
# its nearest neighbour), geometric in the elapsed share of the time. Measured on 12 Solomon
# instances at 10 s (8 s of ruin and recreate): mean gap 0.16% from 3, 0.15% from 1, 0.25% from
# 10, 0.37% from 30 (single runs spread by about 0.1%).
T_START = 3.0
T_END = 0.1
# Where customers are optional the temperature is at least this share of the median value of
# an optional customer, so that a plan may give up a customer for a while. TOPTW, six runs that
# had missed the best score at 10 s (four proven m = 1 optima): mean 97.19% of the reference
# without, 99.51% with 0.1 (all four optima), 99.61% with 0.5; generated 60 x 5 and 300 x 20
# days at 10 s: 349,592 and 1,250,299 without, 349,588 and 1,251,305 with 0.1, 349,575 and
# 1,248,991 with 0.5.
VALUE_TEMPERATURE = 0.1
# Where travel only breaks ties (no day of driving outweighs any optional customer, as in the
# TOPTW) there is no polishing phase below, and the search is for value alone: hotter. TOPTW,
# ten runs (m = 1, pr09, r107, pr02, pr04, pr05, two seeds, all proven optima), total score 4,494
# with 0.1, 4,543 with 0.3 (pr09 493 and 491 against 469 twice), 4,530 with 0.5, 4,525 with 1.
VALUE_TEMPERATURE_TIES = 0.3
# Share of the time (or steps) that then anneals again, from the best plan, at the scale of
# travel alone (T_START to T_END times the nearest-neighbour arc). Generated 60 x 5 days, seeds
# 0-4 at 10 s: 365,312 / 286,481 / 225,864 / 270,644 / 265,760 without, 365,314.7 / 286,482.9 /
# 225,870.4 / 270,647.3 / 265,763.6 with 0.2 (two other runs: within 1.3 units of these).
POLISH_SHARE = 0.2
# Where travel only breaks ties, the annealing runs in this many rounds of equal length, each
# from the best plan so far, hot to cold. Single routes (TOPTW m = 1; pr02, pr04, pr05, pr09,
# r107, pr07, pr10, two search seeds each at 10 s): total score 6,284 in one round, 6,334 in
# two, 6,310 in three, 6,332 in four; proven optima reached 9, 10, 10 and 10 times of 12
# (pr05 seeds 0-3: 595 / 583 / 591 / 580 in one round, 595 / 590 / 595 / 595 in two; pr09:
# 469 / 490 / 469 / 493 in one, 493 four times in three). Two to four paths (18 runs): 12,897
# in one round, 12,889 in four (within the spread of single runs), 12,844 in two. Since the
# faster insertions by time (_insert_best), steps are about 2.4 times as fast there and eight
# rounds do better: a round needs some 45,000 steps to settle, and each settled round reaches
# pr05's optimum (595) with a chance of about one in seven. pr05 at 10 s, two runs side by
# side, 595 reached: 42 of 72 seeds in four rounds, 53 of 72 in eight (seeds 0-71), 14 of 24
# in six. With the slower steps: 12 of 24 in four rounds and 16 of 24 in eight at 20 s, but 6
# of 24 in eight at 10 s (rounds too short to settle). pr09: 493 in 12 of 12 in eight.
ROUNDS_TIES = 8
# Where travel only breaks ties, each round anneals from T_START_TIES to T_END_TIES times the
# value scale: hot enough that a round takes a plan apart (pr09, m = 1: from 468 to about 390)
# and builds it anew, which is how the search leaves one plan for a much better one; below about
# half the scale a plan no longer changes. TOPTW m = 1, twelve seeds at 10 s with the segment
# re-planning below (two runs side by side): proven optima reached on pr09 / pr05 9 / 7 times of
# 12 from 3 to 0.1, 0 / 8 from 1.5 to 0.3, 12 / 7 from 6 to 0.3, 12 / 2 from 10 to 0.3; in eight
# rounds from 6 to 0.3, 12 / 1.
T_START_TIES = 6.0
T_END_TIES = 0.3
# Every second round starts from this instead (times the value scale): warm enough to leave the
# plan the hot rounds keep converging to, not so hot that it takes it apart. pr05 (m = 1) most
# often misses the optimum (595) in one 594 plan; from that plan, annealing at a constant 1
# reached 595 in 6 of 6 runs of 5 s (3 of 12 in 3 s), at 0.7, 1.5 and 2.5 in 0, 2 and 0 of 6.
# pr05 at 10 s, 24 seeds, two runs side by side, together with no whole-day model on such days
# (routing.solve): 595 in 14 runs against 7 with every round from 6 (13 and 6 of 24 on other
# seeds); alone, each of the two changes reached 595 in 10 and 8 runs of 24. pr09: 493 in 12
# of 12 either way.
T_WARM_TIES = 1.5
# Where travel only breaks ties, strings of up to this many visits (SISR's 10 elsewhere). pr09
# and pr05 (m = 1), six seeds at 10 s: total score 2,926 and 3,548 with 10, 2,933 and 3,566 with
# 20.
MAX_STRING_TIES = 20
# Segment re-planning (where travel only breaks ties, customers have one window and collectors no
# break): this share of the steps re-plans a stretch of a route exactly over DP_SIZE customers, the
# stretch's own (at most DP_SIZE - DP_FREE of them) and left-out ones drawn from the DP_DEPTH
# nearest to its visits and its end, or to the start, by turns, the nearest and those whose visit
# can end soonest (pr05, m = 1: three of the optimum's first visits are not among the 40 nearest to
# the depot or to any of the first eight visits of the 594 plan its misses end in; at 10 s, seeds
# 96-191, 595 in 89 of 96 runs by the nearest alone, 92 of 96 by the soonest alone, 91 of 96 by
# turns; r107, seeds 0-47, 299 in 48, 46 and 48 of 48); a re-planning that explores more than
# DP_STATES partial paths is dropped. pr09 / pr05 (m = 1) at 10 s, proven optima reached 1 / 2 times
# of six seeds without, 10 / 1 of twelve with (temperatures as before). 14 customers were slower and
# no better; 16 took 0.2 ms a step on r107. A re-planned stretch that leaves time over is followed
# by inserting every left-out customer that now fits; with that and the trade of value for time (see
# _segment_dp), 9 / 7 of twelve. Since the re-planning is bounded (about a third of the states) more
# of it pays: r107 / pr05 (m = 1) reached their optima in 65 / 51 of 72 seeded runs at 10 s with 0.2
# (three runs of seeds 0-23), in 24 / 20 of 24 with 0.3, in 24 of 24 / 40 of 48 with 0.4 and in 24 /
# 19 of 24 with 0.5.
DP_SHARE = 0.4
DP_SIZE = 12
DP_FREE = 3
DP_DEPTH = 15
DP_STATES = 20_000
# Neighbours kept per customer for the ruin.
NEIGHBOURS = 100
# Steps between two looks at the clock.
CHUNK = 200

_BIG = 2**40
# Parameter columns: travel cost per hour, preferred-collector bonus, balance cost, the cost of
# a mandatory customer left out (as above); then whether an insertion is measured by the time it
# takes (travel and waiting) rather than travel, the longest string, whether every customer has
# one window (the latest arrival at each stop then decides whether a customer fits) and the segment
# re-planning's size (0: none).
_P_TIME, _P_STRING, _P_ONE_WINDOW, _P_SEGMENT = range(4, 8)


class Day:
    """A day plan in arrays, ready for the compiled steps."""

    def __init__(self, problem: Problem, windows: Sequence[Sequence],
                 candidates: dict[int, Sequence[int]]) -> None:
        self.problem = problem
        customers = problem.customers
        self.ids = np.array(sorted(candidates), dtype=np.int64)  # row -> customer index
        self.row = {int(i): r for r, i in enumerate(self.ids)}
        n, k = len(self.ids), len(problem.collectors)
        max_windows = max((len(windows[i]) for i in self.ids), default=1)
        self.cust = np.zeros((n, 6), dtype=np.int64)
        self.win = np.zeros((n, max(1, max_windows), 2), dtype=np.int64)
        value = np.zeros(n, dtype=np.int64)
        ids = {c.id: v for v, c in enumerate(problem.collectors)}
        for r, i in enumerate(self.ids):
            c = customers[i]
            ws = windows[i]
            self.cust[r] = (c.location, c.service_duration, len(ws),
                            ids.get(c.preferred_collector, -1), c.mandatory, c.demand)
            for w, tw in enumerate(ws):
                self.win[r, w] = (tw.start, tw.end)
            value[r] = c.value * 3600
        self.value = value
        self.optional_values = value[(self.cust[:, _MAND] == 0) & (value > 0)]
        self.allowed = np.zeros((n, k), dtype=np.bool_)
        for r, i in enumerate(self.ids):
            self.allowed[r, list(candidates[int(i)])] = True
        self.veh = np.zeros((k, 10), dtype=np.int64)
        for v, c in enumerate(problem.collectors):
            brk = c.lunch_break
            self.veh[v] = (c.start_location, c.end_location, c.shift_start, c.shift_end,
                           brk.earliest_start if brk else 0, brk.latest_end if brk else 0,
                           brk.duration if brk else -1,
                           n if c.max_visits is None else c.max_visits,
                           _BIG if c.max_travel_time is None else c.max_travel_time,
                           _BIG if c.capacity is None else c.capacity)
        policy = problem.policy
        self.ties = travel_breaks_ties(problem, self.ids)
        self.params = np.array([policy.travel_cost_per_hour, policy.preferred_bonus * 3600,
                                policy.balance_cost_per_visit * 3600,
                                4 * (int(value.sum()) + policy.preferred_bonus * 3600 * n + 1),
                                0, MAX_STRING, int(max_windows <= 1), 0], dtype=np.int64)
        # One compiled version of the steps: int32 seconds (as routing.travel builds them).
        self.durations = np.ascontiguousarray(problem.travel.durations, dtype=np.int32)
        self.adj = self._neighbours()
        self.vadj = np.zeros((2 * k, 1), dtype=np.int64)
        if self.travel_breaks_ties():
            self.params[_P_STRING] = MAX_STRING_TIES
            if not (self.veh[:, _BDUR] >= 0).any():
                # Insertions by the time they take: pr09 / pr05 (m = 1), six seeds at 10 s,
                # total score 2,926 / 3,548 against 2,848 / 3,516 by travel (and 60% more
                # steps: a place where the window has closed is skipped at once).
                self.params[_P_TIME] = 1
                if self.params[_P_ONE_WINDOW]:
                    self.params[_P_SEGMENT] = DP_SIZE
                    self.vadj = self._ends_neighbours()

    def _neighbours(self) -> np.ndarray:
        """Each customer's nearest customers (by travel both ways), nearest first."""
        n = len(self.ids)
        if n < 2:
            return np.zeros((n, 0), dtype=np.int64)
        take = min(NEIGHBOURS, n - 1)
        loc = self.cust[:, _LOC]
        out = np.empty((n, take), dtype=np.int64)
        for a in range(0, n, 512):
            rows = loc[a:a + 512]
            d = (self.durations[np.ix_(rows, loc)].astype(np.int64)
                 + self.durations[np.ix_(loc, rows)].T.astype(np.int64))
            d[np.arange(len(rows)), np.arange(a, a + len(rows))] = np.iinfo(np.int64).max
            part = np.argpartition(d, take - 1, axis=1)[:, :take]
            order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
            out[a:a + len(rows)] = np.take_along_axis(part, order, axis=1)
        return out

    def _ends_neighbours(self) -> np.ndarray:
        """Each collector's first customers (rows 0..k-1: by turns those whose visit can end
        soonest after the shift starts and the nearest to the start) and its nearest customers
        to the end (rows k..2k-1)."""
        n, k = len(self.ids), len(self.veh)
        take = max(1, min(NEIGHBOURS, n))
        out = np.zeros((2 * k, take), dtype=np.int64)
        if n == 0:
            return out
        loc = self.cust[:, _LOC]
        for v in range(k):
            travel = self.durations[self.veh[v, _START], loc].astype(np.int64)
            arrive = self.veh[v, _SS] + travel
            done = np.maximum(arrive, self.win[:, 0, 0]) + self.cust[:, _SVC]
            done[arrive > self.win[:, 0, 1]] = _BIG
            soonest = np.argsort(done, kind="stable")
            nearest = np.argsort(travel, kind="stable")
            turns = np.stack([soonest, nearest], axis=1).ravel()
            _, first = np.unique(turns, return_index=True)
            out[v] = turns[np.sort(first)][:take]
            out[k + v] = np.argsort(self.durations[loc, self.veh[v, _END]], kind="stable")[:take]
        return out

    def typical_arc_cost(self) -> float:
        """The mean cost of driving from a customer to its nearest neighbour."""
        if self.adj.shape[1] == 0:
            return 1.0
        loc = self.cust[:, _LOC]
        legs = self.durations[loc, loc[self.adj[:, 0]]].astype(np.float64)
        return max(1.0, float(legs.mean()) * max(1, int(self.params[0])))

    def travel_breaks_ties(self) -> bool:
        """See the module's :func:`travel_breaks_ties`."""
        return self.ties

    def phases(self) -> list[tuple[float, float, float]]:
        """The annealing's phases: (first temperature, last temperature, end as a share of the
        time or steps), each from the best plan so far. The scale is the hotter of travel (the
        nearest-neighbour arc) and the value scale. Where the value scale is the hotter,
        annealing at it may give up a customer for a while; the last POLISH_SHARE then anneals
        at the scale of travel alone, which orders the visits finely. Not where travel only
        breaks ties, as in the TOPTW: there it would only take time from the search for value,
        which instead runs in ROUNDS_TIES rounds, every second one from T_WARM_TIES."""
        arc = self.typical_arc_cost()
        hot = max(arc, self.value_scale())
        if self.travel_breaks_ties():
            return [((T_WARM_TIES if i % 2 else T_START_TIES) * hot, T_END_TIES * hot,
                     (i + 1) / ROUNDS_TIES) for i in range(ROUNDS_TIES)]
        if hot == arc:
            return [(T_START * hot, T_END * hot, 1.0)]
        return [(T_START * hot, T_END * hot, 1.0 - POLISH_SHARE),
                (T_START * arc, T_END * arc, 1.0)]

    def value_scale(self) -> float:
        """VALUE_TEMPERATURE (VALUE_TEMPERATURE_TIES where travel only breaks ties) times the
        median value of an optional customer (0 if none)."""
        if not len(self.optional_values):
            return 0.0
        share = VALUE_TEMPERATURE_TIES if self.travel_breaks_ties() else VALUE_TEMPERATURE
        return share * float(np.median(self.optional_values))


def travel_breaks_ties(problem: Problem, candidates: Iterable[int]) -> bool:
    """Whether no amount of driving the collectors' shifts allow outweighs the least valuable
    optional customer among ``candidates`` (customer indices), as in the TOPTW: travel then only
    breaks ties between plans of equal value."""
    customers = problem.customers
    values = [customers[i].value for i in candidates
              if not customers[i].mandatory and customers[i].value > 0]
    if not values:
        return False
    shifts = sum(max(0, c.shift_end - c.shift_start) for c in problem.collectors)
    return shifts * problem.policy.travel_cost_per_hour < min(values) * 3600


def improve(problem: Problem, windows: Sequence[Sequence], candidates: dict[int, Sequence[int]],
            routes: list[list[int]], *, deadline: float, seed: int = 0,
            max_steps: int | None = None,
            on_improvement: Callable[[float | None], None] | None = None
            ) -> tuple[list[list[int]], int]:
    """Improve ``routes`` (customer indices per collector) until ``deadline``, or for
    ``max_steps`` steps (the same plan on every run; the deadline then only as a backstop).
    ``on_improvement`` hears the objective of each better plan (value units; None while a
    mandatory customer is left out). Returns the best routes found and how many steps ran."""
    day = Day(problem, windows, candidates)
    n, k = len(day.ids), len(problem.collectors)
    if n == 0 or k == 0:
        return [list(r) for r in routes], 0
    seq = np.zeros((k, n + 1), dtype=np.int64)
    length = np.zeros(k, dtype=np.int64)
    for v, route in enumerate(routes):
        rows = [day.row[i] for i in route if i in day.row]
        seq[v, :len(rows)] = rows
        length[v] = len(rows)
    state = _State(seq, length, n, int(day.params[_P_SEGMENT]))
    state.start(day)
    best_seq, best_len = state.seq.copy(), state.length.copy()
    phases = day.phases()
    costs = np.zeros(2, dtype=np.int64)  # current, best
    costs[0] = costs[1] = _cost(state.length, state.route_of, state.travel, day.value,
                                day.cust, day.params)
    _seed(seed)
    started = time.monotonic()
    span = max(1e-9, deadline - started)
    steps = 0
    phase_from = 0.0
    for phase, (t_start, t_end, until) in enumerate(phases):
        if phase > 0:
            state.seq[:], state.length[:] = best_seq, best_len
            state.start(day)
            costs[0] = costs[1]
        while True:
            now = time.monotonic()
            if now >= deadline or (max_steps is not None and steps >= max_steps):
                break
            share = steps / max_steps if max_steps is not None else (now - started) / span
            if share >= until:
                break
            chunk = CHUNK if max_steps is None else min(CHUNK, max_steps - steps)
            local = (share - phase_from) / (until - phase_from)
            temperature = t_start * (t_end / t_start) ** local
            best_before = costs[1]
            _steps(chunk, temperature, costs, state.seq, state.length, state.route_of,
                   state.travel, state.load, state.dep, state.stop, state.latest,
                   best_seq, best_len,
                   day.cust, day.win, day.veh, day.durations, day.allowed, day.value,
                   day.params, day.adj, day.vadj, state.scratch, state.saved_seq,
                   state.saved_len, state.dp)
            steps += chunk
            if on_improvement is not None and costs[1] < best_before:
                missed = costs[1] >= day.params[3]
                on_improvement(None if missed else -float(costs[1]) / 3600)
        phase_from = until
    out = [[int(day.ids[r]) for r in best_seq[v, :best_len[v]]] for v in range(k)]
    return out, steps


class _State:
    def __init__(self, seq: np.ndarray, length: np.ndarray, n: int, segment: int) -> None:
        k, width = seq.shape
        self.seq, self.length = seq, length
        self.route_of = np.full(n, -1, dtype=np.int64)
        self.travel = np.zeros(k, dtype=np.int64)
        self.load = np.zeros(k, dtype=np.int64)
        self.dep = np.zeros((k, width + 1), dtype=np.int64)
        self.stop = np.zeros((k, width + 2), dtype=np.int64)
        self.latest = np.zeros((k, width + 1), dtype=np.int64)
        self.scratch = np.zeros(2 * n + 2 * k, dtype=np.int64)  # pool, in pool, touched, dirty
        self.saved_seq = np.empty_like(seq)
        self.saved_len = np.empty_like(length)
        # Segment re-planning: a label per (last customer, customers visited): its stamp, time,
        # value and parent; the candidates, two layers of states and the last stamp.
        size = max(1, segment)
        states = size << size
        self.dp = (np.zeros((states, 4), dtype=np.int64), np.empty(size, dtype=np.int64),
                   np.empty(states, dtype=np.int64), np.empty(states, dtype=np.int64),
                   np.zeros(1, dtype=np.int64))

    def start(self, day: Day) -> None:
        """Take ``seq``/``length`` as the current plan: who visits whom, travel, load and
        times recomputed, nothing in the pool."""
        self.route_of[:] = -1
        self.scratch[:] = 0
        _init(self.seq, self.length, self.route_of, self.travel, self.load, self.dep,
              self.stop, self.latest, day.cust, day.win, day.veh, day.durations)


@numba.njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@numba.njit(cache=True)
def _earliest(win, r, nwin, ready):
    """Earliest service start at or after ``ready`` in customer ``r``'s windows, or -1."""
    for w in range(nwin):
        if ready <= win[r, w, 1]:
            return max(ready, win[r, w, 0])
    return -1


@numba.njit(cache=True)
def _forward(seq, n, veh, v, cust, win, dur, gap):
    """Arrival at the end of route ``seq[:n]`` with the break in ``gap`` (-1: none), or -1."""
    t = veh[v, _SS]
    prev = veh[v, _START]
    for kk in range(n + 1):
        nxt = cust[seq[kk], _LOC] if kk < n else veh[v, _END]
        leg = dur[prev, nxt]
        if kk == gap:
            bes, bdur = veh[v, _BES], veh[v, _BDUR]
            b = max(t, bes)
            if b + bdur > veh[v, _BLE]:
                return -1
            if t + leg <= bes:
                ready = bes + bdur
            else:
                ready = max(t + leg, bes) + bdur
        else:
            ready = t + leg
        if kk < n:
            r = seq[kk]
            start = _earliest(win, r, cust[r, _NWIN], ready)
            if start < 0:
                return -1
            t = start + cust[r, _SVC]
            prev = nxt
        else:
            if ready > veh[v, _SE]:
                return -1
            return ready
    return -1


@numba.njit(cache=True)
def _feasible_times(seq, n, veh, v, cust, win, dur):
    """Whether route ``seq[:n]`` of collector ``v`` has a timetable (the break in some gap)."""
    if veh[v, _BDUR] < 0:
        return _forward(seq, n, veh, v, cust, win, dur, -1) >= 0
    latest = veh[v, _BLE] - veh[v, _BDUR]
    t = veh[v, _SS]
    prev = veh[v, _START]
    for kk in range(n):
        if max(t, veh[v, _BES]) > latest:
            return False
        if _forward(seq, n, veh, v, cust, win, dur, kk) >= 0:
            return True
        r = seq[kk]
        start = _earliest(win, r, cust[r, _NWIN], t + dur[prev, cust[r, _LOC]])
        if start < 0:
            return False
        t = start + cust[r, _SVC]
        prev = cust[r, _LOC]
    if max(t, veh[v, _BES]) <= latest:
        return _forward(seq, n, veh, v, cust, win, dur, n) >= 0
    return False


@numba.njit(cache=True)
def _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur):
    """Route ``v``'s travel, load, the location of each stop (``stop[v, p]``: the start is stop
    0, the end stop n + 1) and departure times (``dep[v, p]``: leaving stop ``p``); without a
    break, the latest arrival at each stop after the first (see below)."""
    n = length[v]
    prev = veh[v, _START]
    t = veh[v, _SS]
    dep[v, 0] = t
    stop[v, 0] = prev
    stop[v, n + 1] = veh[v, _END]
    tr = 0
    ld = 0
    for kk in range(n):
        r = seq[v, kk]
        loc = cust[r, _LOC]
        stop[v, kk + 1] = loc
        tr += dur[prev, loc]
        ld += cust[r, _DEMAND]
        start = _earliest(win, r, cust[r, _NWIN], t + dur[prev, loc])
        t = (start if start >= 0 else t + dur[prev, loc]) + cust[r, _SVC]
        dep[v, kk + 1] = t
        prev = loc
    tr += dur[prev, veh[v, _END]]
    travel[v] = tr
    load[v] = ld
    if veh[v, _BDUR] >= 0:
        return  # with a break the latest arrivals are not used (_fits_at times the whole route)
    # The latest arrival at each stop (``latest[v, p]`` for the stop after gap p; the end last)
    # with every later stop still in its window (the first window) and the end in the shift:
    # never later than the window's closing, nor than the next stop's latest arrival less the
    # service and the travel there. It never decreases along the route.
    latest[v, n] = veh[v, _SE]
    for kk in range(n - 1, -1, -1):
        r = seq[v, kk]
        on = latest[v, kk + 1] - cust[r, _SVC] - dur[stop[v, kk + 1], stop[v, kk + 2]]
        latest[v, kk] = min(win[r, 0, 1], on)


@numba.njit(cache=True)
def _init(seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh, dur):
    for v in range(seq.shape[0]):
        for kk in range(length[v]):
            route_of[seq[v, kk]] = v
        _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur)


@numba.njit(cache=True)
def _cost(length, route_of, travel, value, cust, params):
    """The plan's cost: travel cost minus value, mandatory misses, balance (lower is better)."""
    c = 0
    busiest = 0
    for v in range(length.shape[0]):
        c += travel[v] * params[0]
        busiest = max(busiest, length[v])
    for r in range(route_of.shape[0]):
        v = route_of[r]
        if v >= 0:
            c -= value[r]
            if cust[r, _PREF] == v:
                c -= params[1]
        elif cust[r, _MAND]:
            c += params[3]
    return c + params[2] * busiest


@numba.njit(cache=True)
def _fits_at(seq, length, dep, stop, latest, v, p, r, cust, win, veh, dur, buf, single):
    """Whether customer ``r`` fits into route ``v`` before position ``p`` (time only)."""
    n = length[v]
    if veh[v, _BDUR] < 0:
        # No break: earliest times only grow; once a stop is left no later than before, the
        # rest of the route is as it was.
        t = dep[v, p]
        loc = cust[r, _LOC]
        start = _earliest(win, r, cust[r, _NWIN], t + dur[stop[v, p], loc])
        if start < 0:
            return False
        t = start + cust[r, _SVC]
        if single:
            return t + dur[loc, stop[v, p + 1]] <= latest[v, p]
        prev = loc
        for kk in range(p, n):
            q = seq[v, kk]
            ql = stop[v, kk + 1]
            start = _earliest(win, q, cust[q, _NWIN], t + dur[prev, ql])
            if start < 0:
                return False
            t = start + cust[q, _SVC]
            if t <= dep[v, kk + 1]:
                return True
            prev = ql
        return t + dur[prev, stop[v, n + 1]] <= veh[v, _SE]
    for kk in range(p):
        buf[kk] = seq[v, kk]
    buf[p] = r
    for kk in range(p, n):
        buf[kk + 1] = seq[v, kk]
    return _feasible_times(buf, n + 1, veh, v, cust, win, dur)


@numba.njit(cache=True)
def _insert_best(seq, length, route_of, travel, load, dep, stop, latest, r, cust, win, veh,
                 dur, allowed, value, params, buf):
    """Put customer ``r`` at its most profitable feasible place (optional customers only where
    they gain); return whether it went in."""
    loc = cust[r, _LOC]
    base = value[r] + (params[3] if cust[r, _MAND] else 0)
    best_gain = 0.0 if not cust[r, _MAND] else -1e30
    best_extra = 0
    best_v = -1
    best_p = -1
    close = win[r, cust[r, _NWIN] - 1, 1]
    svc = cust[r, _SVC]
    earliest_end = win[r, 0, 0] + svc
    # Insertions by time, one window per customer: where the collector has no break, whether a
    # place fits follows from the next stop's latest arrival at once (as in _fits_at). pr05
    # (m = 1), 60,000 steps from one plan at a constant temperature: 23-27 us a step against
    # 60-64 us.
    quick_time = params[_P_TIME] != 0 and params[_P_ONE_WINDOW] != 0
    for v in range(length.shape[0]):
        if not allowed[r, v]:
            continue
        quick = quick_time and veh[v, _BDUR] < 0
        n = length[v]
        if n >= veh[v, _MAXV] or load[v] + cust[r, _DEMAND] > veh[v, _CAP]:
            continue
        bonus = params[1] if cust[r, _PREF] == v else 0
        first = 0
        if quick:
            # The visit ends no earlier than its opening plus its service, so the next stop is
            # reached no earlier: no place before the first whose latest arrival allows that
            # fits (latest arrivals never decrease along the route; a binary search).
            hi = n + 1
            while first < hi:
                mid = (first + hi) >> 1
                if latest[v, mid] < earliest_end:
                    first = mid + 1
                else:
                    hi = mid
        for p in range(first, n + 1):
            if dep[v, p] > close:
                # Left later than the last window closes, here and at every later place.
                break
            prev = stop[v, p]
            nxt = stop[v, p + 1]
            if quick:
                # The next stop reached too late even without waiting: the test below, first
                # and without the window, by parts (most places fail it).
                room = latest[v, p] - dep[v, p] - svc
                if room < 0:
                    continue
                to = dur[prev, loc]
                if to > room:
                    continue
                back = dur[loc, nxt]
                if to + back > room:
                    continue
                extra = to + back - dur[prev, nxt]
            else:
                extra = dur[prev, loc] + dur[loc, nxt] - dur[prev, nxt]
            if travel[v] + extra > veh[v, _MAXT]:
                continue
            if params[_P_TIME]:
                # Time the visit takes from the route: travel and waiting.
                arrive = dep[v, p] + dur[prev, loc]
                start = _earliest(win, r, cust[r, _NWIN], arrive)
                if start < 0:
                    continue
                extra = extra + start - arrive
            gain = float(base + bonus - extra * params[0])
            if gain < best_gain or (gain == best_gain and (best_v < 0 or extra >= best_extra)):
                continue
            if quick:
                # The next stop reached after the visit, no later than its latest arrival.
                # Places that do not fit (most) draw no number for the blink.
                if start + svc + back > latest[v, p]:
                    continue
                if np.random.random() < BLINK:
                    continue
            else:
                if np.random.random() < BLINK:
                    continue
                if not _fits_at(seq, length, dep, stop, latest, v, p, r, cust, win, veh, dur, buf,
                                params[_P_ONE_WINDOW] != 0):
                    continue
            best_gain, best_extra, best_v, best_p = gain, extra, v, p
    if best_v < 0:
        return False
    v, p, n = best_v, best_p, length[best_v]
    for kk in range(n, p, -1):
        seq[v, kk] = seq[v, kk - 1]
    seq[v, p] = r
    length[v] = n + 1
    route_of[r] = v
    _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur)
    return True


@numba.njit(cache=True)
def _segment_dp(seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh, dur,
                allowed, value, params, adj, vadj, pool, in_pool, touched, saved_seq, saved_len,
                dp):
    """Re-plan a stretch of one route exactly: the most valuable timed path between the visits
    around it over its own customers and the left-out ones nearest to them (subset dynamic
    programming, times and windows as in the route; the rest of the route keeps its slack).
    Half of the time the path's value is offset by its time at a random rate around the
    route's own value per second of its time, so that the stretch may give up value for time
    the rest of the route can use. ``dp`` holds the work arrays. Returns how many customers it
    put in the pool (those taken out or put in), 0 if the route stays as it was."""
    lab, cand, cur, nxt, stamp_id = dp
    k = length.shape[0]
    # A random route that visits someone (segment re-planning is on only where every customer
    # has one window and no collector a break), and a random stretch of it.
    v = np.random.randint(k)
    tries = 0
    while length[v] == 0 and tries < 4 * k:
        v = np.random.randint(k)
        tries += 1
    nv = length[v]
    if nv == 0:
        return 0
    size = params[_P_SEGMENT]
    span = 1 + np.random.randint(min(nv, max(1, size - DP_FREE)))
    lo = np.random.randint(nv - span + 1)
    hi = lo + span
    nc = 0
    for kk in range(lo, hi):
        cand[nc] = seq[v, kk]
        nc += 1
    depth = min(DP_DEPTH, adj.shape[1], vadj.shape[1])
    anchors = hi - lo + 2
    tries = 0
    while depth > 0 and nc < size and tries < 30 * size:
        tries += 1
        a = lo - 1 + np.random.randint(anchors)
        j = np.random.randint(depth)
        if a < 0:
            c = vadj[v, j]
        elif a >= nv:
            c = vadj[k + v, j]
        else:
            c = adj[seq[v, a], j]
        if route_of[c] >= 0 or in_pool[c] or not allowed[c, v]:
            continue
        in_pool[c] = 1
        cand[nc] = c
        nc += 1
    for jj in range(adj.shape[1]):
        if nc >= size:
            break
        for kk in range(lo - 1, hi + 1):
            if nc >= size:
                break
            if kk < 0 or kk >= nv:
                continue
            c = adj[seq[v, kk], jj]
            if route_of[c] >= 0 or in_pool[c] or not allowed[c, v]:
                continue
            in_pool[c] = 1
            cand[nc] = c
            nc += 1
    cval = np.empty(nc, dtype=np.int64)
    for a in range(nc):
        r = cand[a]
        in_pool[r] = 0
        cval[a] = (value[r] + (params[1] if cust[r, _PREF] == v else 0)
                   + (params[3] if cust[r, _MAND] else 0))
    a_loc = stop[v, lo]
    t0 = dep[v, lo]
    b_loc = stop[v, hi + 1]
    old_arrive = dep[v, hi] + dur[stop[v, hi], b_loc]
    due = latest[v, hi]  # the latest arrival at b
    # Local copies (about 1.7 times as fast as reading the day's arrays; the same paths):
    # travel between the candidates, each one's opening, service and latest arrival, from which
    # the visit ends in its window (there is one) and the stretch's end in time: a candidate
    # reached by then is served at max(arrival, opening).
    dm = np.empty((nc, nc), dtype=np.int64)
    opening = np.empty(nc, dtype=np.int64)
    svc = np.empty(nc, dtype=np.int64)
    cap = np.empty(nc, dtype=np.int64)
    to_b = np.empty(nc, dtype=np.int64)
    for c in range(nc):
        r = cand[c]
        loc = cust[r, _LOC]
        for d in range(nc):
            dm[c, d] = dur[loc, cust[cand[d], _LOC]]
        opening[c] = win[r, 0, 0]
        svc[c] = cust[r, _SVC]
        to_b[c] = dur[loc, b_loc]
        cap[c] = min(win[r, 0, 1], due - svc[c] - to_b[c])
        if opening[c] > cap[c]:
            cap[c] = -1  # never in time
    full = 1 << nc
    stamp_id[0] += 1
    sid = stamp_id[0]
    ncur = 0
    for c in range(nc):
        arrive = t0 + dur[a_loc, cust[cand[c], _LOC]]
        if arrive <= cap[c]:
            s0 = c * full + (1 << c)
            lab[s0, 0] = sid
            lab[s0, 1] = max(arrive, opening[c]) + svc[c]
            lab[s0, 2] = cval[c]
            lab[s0, 3] = -1
            cur[ncur] = s0
            ncur += 1
    rate = 0.0
    if np.random.random() < 0.5:
        route_value = 0
        for kk in range(nv):
            route_value += value[seq[v, kk]]
        # Per second of the time the route takes (not of the shift, which may end long after
        # the last window closes): pr05 (m = 1), where the optimum gives up 8 of value at the
        # start to arrive 5 time units earlier later on (a rate above what the shift allows),
        # reached 595 in 45 of 48 seeded runs at 10 s against 40 of 48 (and in 37 of 48 on
        # other seeds).
        used = dep[v, nv] + dur[cust[seq[v, nv - 1], _LOC], veh[v, _END]] - veh[v, _SS]
        rate = 2.0 * np.random.random() * route_value / max(1, used)
    old_val = 0
    for a in range(span):
        old_val += cval[a]
    old_score = old_val - rate * old_arrive
    # A bound on what a path can still gain: each further visit takes at least its service and
    # the shortest arc into it, and at most the time left can be spent (fractional knapsack by
    # value, less the rate, per second). A state whose bound is below both the stretch as it is
    # and the best path so far cannot lead to the path taken, and is not extended (a margin
    # for rounding). The same paths from a third of the states: pr05 / r107 (m = 1), 100,000
    # steps in deterministic mode, 2.7 / 17.3 million states against 8.3 / 57.1 million, in
    # 2.7 / 4.1 s against 3.6 / 13.9 s (r107's wide windows let almost any order through).
    least_in = np.empty(nc, dtype=np.int64)
    gain = np.empty(nc, dtype=np.float64)
    density = np.empty(nc, dtype=np.float64)
    least_to_b = to_b[0]
    for d in range(nc):
        least_to_b = min(least_to_b, to_b[d])
        m = _BIG
        for e in range(nc):
            if e != d:
                m = min(m, dm[e, d])
        least_in[d] = m + svc[d]
        gain[d] = cval[d] - rate * least_in[d]
        density[d] = gain[d] / max(1, least_in[d])
    by_density = np.argsort(-density)
    best_score = -1e300
    best_val = -1
    best_arrive = 2**62
    best_state = -1
    states = ncur
    while ncur > 0:
        nnext = 0
        for a in range(ncur):
            s0 = cur[a]
            c = s0 // full
            mask = s0 - c * full
            t = lab[s0, 1]
            arrive = t + to_b[c]
            val = lab[s0, 2]
            score = val - rate * arrive
            if score > best_score or (score == best_score and arrive < best_arrive):
                best_score, best_val, best_arrive, best_state = score, val, arrive, s0
            left = due - least_to_b - t
            bound = val - rate * (t + least_to_b)
            for i in range(nc):
                d = by_density[i]
                if (mask >> d) & 1 or gain[d] <= 0 or t + least_in[d] - svc[d] > cap[d]:
                    continue
                if least_in[d] <= left:
                    bound += gain[d]
                    left -= least_in[d]
                else:
                    bound += gain[d] * left / least_in[d]
                    break
            floor = max(old_score, best_score)
            if bound < floor - 1e-9 * abs(floor) - 1.0:
                continue
            for d in range(nc):
                if (mask >> d) & 1:
                    continue
                arrive = t + dm[c, d]
                if arrive > cap[d]:
                    continue
                t2 = max(arrive, opening[d]) + svc[d]
                s2 = d * full + (mask | (1 << d))
                if lab[s2, 0] != sid:
                    lab[s2, 0] = sid
                    lab[s2, 1] = t2
                    lab[s2, 2] = val + cval[d]
                    lab[s2, 3] = s0
                    nxt[nnext] = s2
                    nnext += 1
                elif t2 < lab[s2, 1]:
                    lab[s2, 1] = t2
                    lab[s2, 3] = s0
        for a in range(nnext):
            cur[a] = nxt[a]
        ncur = nnext
        states += nnext
        if states > DP_STATES:
            return 0
    if (best_state < 0 or best_score < old_score
            or (best_val == old_val and best_arrive >= old_arrive)):
        return 0
    # The stretch, backwards along the parents.
    cnt = 0
    order = np.empty(nc, dtype=np.int64)
    s0 = best_state
    while s0 >= 0:
        order[cnt] = s0 // full
        cnt += 1
        s0 = lab[s0, 3]
    new_len = nv - span + cnt
    if new_len > veh[v, _MAXV] or new_len + 1 > seq.shape[1]:
        return 0
    touched[v] = 1
    saved_seq[v, :nv] = seq[v, :nv]
    saved_len[v] = nv
    npool = 0
    for kk in range(lo, hi):
        q = seq[v, kk]
        route_of[q] = -1
        in_pool[q] = 1
        pool[npool] = q
        npool += 1
    tail = seq[v, hi:nv].copy()
    w = lo
    for a in range(cnt - 1, -1, -1):
        q = cand[order[a]]
        seq[v, w] = q
        w += 1
        route_of[q] = v
        if not in_pool[q]:
            in_pool[q] = 1
            pool[npool] = q
            npool += 1
    for a in range(tail.shape[0]):
        seq[v, w] = tail[a]
        w += 1
    length[v] = w
    _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur)
    if load[v] > veh[v, _CAP] or travel[v] > veh[v, _MAXT]:
        # Over a cap: put the route back (the caller sees no change).
        for a in range(npool):
            route_of[pool[a]] = -1
            in_pool[pool[a]] = 0
        length[v] = nv
        seq[v, :nv] = saved_seq[v, :nv]
        for kk in range(nv):
            route_of[seq[v, kk]] = v
        _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur)
        touched[v] = 0
        return 0
    return npool


@numba.njit(cache=True)
def _keep_untouched(v, q, seq, length, touched, saved_seq, saved_len):
    """After customer ``q`` went into route ``v``: if the step had not touched the route yet,
    keep a copy of it as it was before."""
    if touched[v]:
        return
    touched[v] = 1
    saved_len[v] = length[v] - 1
    w = 0
    for kk in range(length[v]):
        if seq[v, kk] != q:
            saved_seq[v, w] = seq[v, kk]
            w += 1


@numba.njit(cache=True)
def _ruin_recreate(seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh,
                   dur, allowed, value, params, adj, pool, in_pool, touched, saved_seq, saved_len,
                   key, buf):
    """One SISR step: strings out of a few routes near a random customer, then best insertions.
    Returns how many customers it put in the pool."""
    n = route_of.shape[0]
    k = length.shape[0]
    npool = 0
    visited = 0
    for v in range(k):
        visited += length[v]
    used = 0
    for v in range(k):
        if length[v] > 0:
            used += 1
    avg_len = visited / max(1, used)
    ls_max = min(float(params[_P_STRING]), max(1.0, avg_len))
    ks_max = 4.0 * AVERAGE_REMOVED / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    seed_r = np.random.randint(n)
    ruined = 0
    for j in range(-1, adj.shape[1]):
        if ruined >= ks:
            break
        c = seed_r if j < 0 else adj[seed_r, j]
        if in_pool[c]:
            continue
        v = route_of[c]
        if v < 0:
            if j < 3 * AVERAGE_REMOVED:
                in_pool[c] = 1
                pool[npool] = c
                npool += 1
            continue
        if touched[v]:
            continue
        touched[v] = 1
        saved_seq[v, :length[v]] = seq[v, :length[v]]
        saved_len[v] = length[v]
        ruined += 1
        nv = length[v]
        lt_max = min(float(nv), ls_max)
        lt = int(np.random.random() * lt_max) + 1
        pos = 0
        while seq[v, pos] != c:
            pos += 1
        # A string of lt visits containing c, or (half of the time) a longer one of which
        # m visits in the middle stay.
        keep = 0
        if np.random.random() < 0.5 and lt < nv:
            keep = 1
            while lt + keep < nv and np.random.random() > 0.01:
                keep += 1
        span = lt + keep
        lo = pos - np.random.randint(span)
        if lo < 0:
            lo = 0
        if lo + span > nv:
            lo = nv - span
        keep_from = lo + np.random.randint(lt + 1) if keep > 0 else lo + span
        out = 0
        for kk in range(lo, lo + span):
            if keep > 0 and keep_from <= kk < keep_from + keep:
                continue
            q = seq[v, kk]
            pool[npool] = q
            in_pool[q] = 1
            npool += 1
            out += 1
        w = 0
        for kk in range(nv):
            q = seq[v, kk]
            if in_pool[q] and route_of[q] == v:
                route_of[q] = -1
                continue
            seq[v, w] = q
            w += 1
        length[v] = w
        _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur)
    for r in range(n):
        if route_of[r] < 0 and cust[r, _MAND] and not in_pool[r]:
            in_pool[r] = 1
            pool[npool] = r
            npool += 1
    # Recreate, in one of four orders: random, by value, far from or near the seed.
    mode = np.random.randint(4)
    seed_loc = cust[seed_r, _LOC]
    for a in range(npool):
        q = pool[a]
        if mode == 0:
            key[a] = np.random.random()
        elif mode == 1:
            key[a] = -float(value[q]) - (1e18 if cust[q, _MAND] else 0.0)
        elif mode == 2:
            key[a] = -float(dur[seed_loc, cust[q, _LOC]])
        else:
            key[a] = float(dur[seed_loc, cust[q, _LOC]])
    order = np.argsort(key[:npool])
    for a in range(npool):
        q = pool[order[a]]
        if _insert_best(seq, length, route_of, travel, load, dep, stop, latest, q, cust, win,
                        veh, dur, allowed, value, params, buf):
            _keep_untouched(route_of[q], q, seq, length, touched, saved_seq, saved_len)
    return npool


@numba.njit(cache=True)
def _fill(npool, seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh, dur,
          allowed, value, params, pool, in_pool, touched, saved_seq, saved_len, buf):
    """Insert every left-out customer that fits (into the pool too); returns the pool's size."""
    n = route_of.shape[0]
    off = np.random.randint(n)
    for a in range(n):
        q = (a + off) % n
        if route_of[q] >= 0 or in_pool[q]:
            continue
        if _insert_best(seq, length, route_of, travel, load, dep, stop, latest, q, cust, win,
                        veh, dur, allowed, value, params, buf):
            in_pool[q] = 1
            pool[npool] = q
            npool += 1
            _keep_untouched(route_of[q], q, seq, length, touched, saved_seq, saved_len)
    return npool


@numba.njit(cache=True)
def _steps(count, temperature, costs, seq, length, route_of, travel, load, dep, stop, latest,
           best_seq, best_len, cust, win, veh, dur, allowed, value, params, adj, vadj, scratch,
           saved_seq, saved_len, dp):
    """``count`` ruin-and-recreate steps at ``temperature``; ``costs`` holds the current and the
    best plan's cost, ``best_seq``/``best_len`` the best plan, ``dp`` the segment re-planning's
    work arrays (_State)."""
    n = route_of.shape[0]
    k = length.shape[0]
    pool = scratch[:n]
    in_pool = scratch[n:2 * n]
    touched = scratch[2 * n:2 * n + k]
    dirty = scratch[2 * n + k:2 * n + 2 * k]  # changed since the best plan was copied
    key = np.empty(n, dtype=np.float64)
    buf = np.empty(seq.shape[1] + 1, dtype=np.int64)
    for _ in range(count):
        for v in range(k):
            touched[v] = 0
        if params[_P_SEGMENT] > 0 and np.random.random() < DP_SHARE:
            npool = _segment_dp(seq, length, route_of, travel, load, dep, stop, latest,
                                cust, win, veh, dur, allowed, value, params, adj, vadj, pool,
                                in_pool, touched, saved_seq, saved_len, dp)
            if npool > 0:
                npool = _fill(npool, seq, length, route_of, travel, load, dep, stop, latest,
                              cust, win, veh, dur, allowed, value, params, pool, in_pool, touched,
                              saved_seq, saved_len, buf)
        else:
            npool = _ruin_recreate(seq, length, route_of, travel, load, dep, stop, latest,
                                   cust, win, veh, dur, allowed, value, params, adj, pool, in_pool,
                                   touched, saved_seq, saved_len, key, buf)
        new_cost = _cost(length, route_of, travel, value, cust, params)
        if float(new_cost - costs[0]) < -temperature * np.log(np.random.random()):
            costs[0] = new_cost
            for v in range(k):
                if touched[v]:
                    dirty[v] = 1
            if new_cost < costs[1]:
                costs[1] = new_cost
                # Only the routes changed since the last best are copied.
                for v in range(k):
                    if dirty[v]:
                        best_seq[v, :length[v]] = seq[v, :length[v]]
                        best_len[v] = length[v]
                        dirty[v] = 0
        else:
            for a in range(npool):
                route_of[pool[a]] = -1
            for v in range(k):
                if touched[v]:
                    length[v] = saved_len[v]
                    seq[v, :saved_len[v]] = saved_seq[v, :saved_len[v]]
                    for kk in range(saved_len[v]):
                        route_of[seq[v, kk]] = v
                    _retime(seq, length, travel, load, dep, stop, latest, v, cust, win, veh,
                            dur)
        for a in range(npool):
            in_pool[pool[a]] = 0


def _compile() -> None:
    """Compile (or load from the disk cache) every step function on a two-customer day, so that
    no solve pays for compiling inside its time limit."""
    from routing.problem import Collector, Customer, TimeWindow, TravelMatrix

    matrix = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]], dtype=np.int32)
    customers = tuple(Customer(str(k), k, 10, 1, (TimeWindow(0, 100),)) for k in (1, 2))
    tiny = Problem((Collector("c", 0, 0, 0, 100),), customers, TravelMatrix(matrix, matrix))
    windows = [c.time_windows for c in customers]
    improve(tiny, windows, {0: (0,), 1: (0,)}, [[0]], deadline=time.monotonic() + 60,
            max_steps=2)


_compile()
