"""Compiled route timing: the same rules as :mod:`routing.schedule`, on the packed arrays.

Shifts, service-start windows (several per customer, earliest first), the lunch break (which
may interrupt travel, never a visit), visit and travel caps and load. ``tests/routing`` checks
on random routes that this timing and :class:`routing.schedule.RouteTimer` agree.

Each route keeps, per stop, its location and its earliest departure; without a break, also the
latest arrival that keeps every later stop in its window, which makes most insertion tests a
comparison.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from routing.search.arrays import (
    BDUR,
    BES,
    BLE,
    DEMAND,
    END,
    GROUP,
    KEEP,
    LOC,
    MAND,
    NWIN,
    PREF,
    SE,
    SS,
    START,
    SVC,
)


class Routes(NamedTuple):
    """The current plan: one row per collector (``seq`` holds customer rows)."""

    seq: np.ndarray  # (collectors, customers + 1): the visits in order
    length: np.ndarray  # visits per route
    route_of: np.ndarray  # customer row -> route, -1 if left out
    travel: np.ndarray  # driving seconds per route
    load: np.ndarray  # load per route
    dep: np.ndarray  # dep[v, p]: earliest departure from stop p (the start is stop 0)
    stop: np.ndarray  # stop[v, p]: location of stop p (the end is stop length + 1)
    latest: np.ndarray  # latest[v, p]: latest arrival at the stop after gap p (no break only)


def new_routes(seq: np.ndarray, length: np.ndarray, n: int) -> Routes:
    """Routes around ``seq``/``length`` with room for the timing (not yet timed)."""
    k, width = seq.shape
    return Routes(seq, length, np.full(n, -1, dtype=np.int64), np.zeros(k, dtype=np.int64),
                  np.zeros(k, dtype=np.int64), np.zeros((k, width + 1), dtype=np.int64),
                  np.zeros((k, width + 2), dtype=np.int64),
                  np.zeros((k, width + 1), dtype=np.int64))


@numba.njit(cache=True)
def earliest(win, r, nwin, ready):
    """Earliest service start at or after ``ready`` in customer ``r``'s windows, or -1."""
    for w in range(nwin):
        if ready <= win[r, w, 1]:
            return max(ready, win[r, w, 0])
    return -1


@numba.njit(cache=True)
def forward(seq, n, v, gap, veh, cust, win, dur):
    """Arrival at the end of route ``seq[:n]`` of collector ``v`` with the break in ``gap``
    (-1: none), or -1 if it has no timetable."""
    t = veh[v, SS]
    prev = veh[v, START]
    for kk in range(n + 1):
        nxt = cust[seq[kk], LOC] if kk < n else veh[v, END]
        leg = dur[prev, nxt]
        if kk == gap:
            bes, bdur = veh[v, BES], veh[v, BDUR]
            b = max(t, bes)
            if b + bdur > veh[v, BLE]:
                return -1
            if t + leg <= bes:
                ready = bes + bdur
            else:
                ready = max(t + leg, bes) + bdur
        else:
            ready = t + leg
        if kk < n:
            r = seq[kk]
            start = earliest(win, r, cust[r, NWIN], ready)
            if start < 0:
                return -1
            t = start + cust[r, SVC]
            prev = nxt
        else:
            if ready > veh[v, SE]:
                return -1
            return ready
    return -1


@numba.njit(cache=True)
def feasible_times(seq, n, v, veh, cust, win, dur):
    """Whether route ``seq[:n]`` of collector ``v`` has a timetable (the break in some gap)."""
    if veh[v, BDUR] < 0:
        return forward(seq, n, v, -1, veh, cust, win, dur) >= 0
    latest = veh[v, BLE] - veh[v, BDUR]
    t = veh[v, SS]
    prev = veh[v, START]
    for kk in range(n):
        if max(t, veh[v, BES]) > latest:
            return False
        if forward(seq, n, v, kk, veh, cust, win, dur) >= 0:
            return True
        r = seq[kk]
        start = earliest(win, r, cust[r, NWIN], t + dur[prev, cust[r, LOC]])
        if start < 0:
            return False
        t = start + cust[r, SVC]
        prev = cust[r, LOC]
    if max(t, veh[v, BES]) <= latest:
        return forward(seq, n, v, n, veh, cust, win, dur) >= 0
    return False


@numba.njit(cache=True)
def retime(routes, v, day):
    """Route ``v``'s travel, load, stop locations and earliest departures; without a break,
    the latest arrival at each stop."""
    retime_arrays(routes.seq, routes.length, routes.travel, routes.load, routes.dep, routes.stop,
                  routes.latest, v, day.cust, day.win, day.veh, day.dur)


@numba.njit(cache=True)
def retime_arrays(seq, length, travel, load, dep, stop, latest, v, cust, win, veh, dur):
    """:func:`retime` on plain arrays, for the insertion's inner loop (see
    :func:`fits_at`)."""
    n = length[v]
    prev = veh[v, START]
    t = veh[v, SS]
    dep[v, 0] = t
    stop[v, 0] = prev
    stop[v, n + 1] = veh[v, END]
    tr = 0
    ld = 0
    for kk in range(n):
        r = seq[v, kk]
        loc = cust[r, LOC]
        stop[v, kk + 1] = loc
        tr += dur[prev, loc]
        ld += cust[r, DEMAND]
        start = earliest(win, r, cust[r, NWIN], t + dur[prev, loc])
        t = (start if start >= 0 else t + dur[prev, loc]) + cust[r, SVC]
        dep[v, kk + 1] = t
        prev = loc
    tr += dur[prev, veh[v, END]]
    travel[v] = tr
    load[v] = ld
    if veh[v, BDUR] >= 0:
        return  # with a break the latest arrivals are not used (fits_at times the whole route)
    # The latest arrival at each stop (``latest[v, p]`` for the stop after gap p; the end last)
    # with every later stop still in its window (the first window) and the end in the shift:
    # never later than the window's closing, nor than the next stop's latest arrival less the
    # service and the travel there. It never decreases along the route.
    latest[v, n] = veh[v, SE]
    for kk in range(n - 1, -1, -1):
        r = seq[v, kk]
        on = latest[v, kk + 1] - cust[r, SVC] - dur[stop[v, kk + 1], stop[v, kk + 2]]
        latest[v, kk] = min(win[r, 0, 1], on)


@numba.njit(cache=True)
def time_all(routes, day):
    """Take ``seq``/``length`` as the plan: who visits whom, and every route timed."""
    seq, length, route_of = routes.seq, routes.length, routes.route_of
    for v in range(seq.shape[0]):
        for kk in range(length[v]):
            route_of[seq[v, kk]] = v
        retime(routes, v, day)


@numba.njit(cache=True)
def worth(value, keep):
    """What a visit of ``value`` earns on a route that keeps ``keep`` per mille of it."""
    return value if keep == 1000 else value // 1000 * keep


@numba.njit(cache=True)
def cost(routes, day):
    """The plan's cost: travel cost minus value, mandatory misses, balance (lower is better)."""
    terms, cust, value = day.terms, day.cust, day.value
    length, travel, route_of = routes.length, routes.travel, routes.route_of
    c = 0
    busiest = 0
    for v in range(length.shape[0]):
        c += travel[v] * terms.travel_cost
        busiest = max(busiest, length[v])
    for r in range(route_of.shape[0]):
        v = route_of[r]
        if v >= 0:
            c -= worth(value[r], day.veh[v, KEEP])
            if cust[r, PREF] == day.veh[v, GROUP]:
                c -= terms.preferred_bonus
        elif cust[r, MAND]:
            c += terms.miss_cost
    return c + terms.balance_cost * busiest


@numba.njit(cache=True)
def fits_at(seq, n, dep, stop, latest, v, p, r, veh, cust, win, dur, one_window, buf):
    """Whether customer ``r`` fits into route ``v`` (``n`` visits) before position ``p``
    (time only). The functions of the insertion's inner loop take plain arrays rather than the
    named tuples: a call that is given a tuple takes a reference to each of its arrays, which
    cost the search a tenth of its speed where insertions are most of a step."""
    if veh[v, BDUR] < 0:
        # No break: earliest times only grow; once a stop is left no later than before, the
        # rest of the route is as it was.
        t = dep[v, p]
        loc = cust[r, LOC]
        start = earliest(win, r, cust[r, NWIN], t + dur[stop[v, p], loc])
        if start < 0:
            return False
        t = start + cust[r, SVC]
        if one_window != 0:
            return t + dur[loc, stop[v, p + 1]] <= latest[v, p]
        prev = loc
        for kk in range(p, n):
            q = seq[v, kk]
            ql = stop[v, kk + 1]
            start = earliest(win, q, cust[q, NWIN], t + dur[prev, ql])
            if start < 0:
                return False
            t = start + cust[q, SVC]
            if t <= dep[v, kk + 1]:
                return True
            prev = ql
        return t + dur[prev, stop[v, n + 1]] <= veh[v, SE]
    for kk in range(p):
        buf[kk] = seq[v, kk]
    buf[p] = r
    for kk in range(p, n):
        buf[kk + 1] = seq[v, kk]
    return feasible_times(buf, n + 1, v, veh, cust, win, dur)
