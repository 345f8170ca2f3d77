"""The annealing: its temperatures by phase, and a compiled run of steps at one temperature.

A step is a ruin and recreate or (where travel only breaks ties, a share of the steps) the
exact re-planning of a stretch; the new plan is kept by the Metropolis rule. Phases each start
from the best plan so far and cool geometrically in the elapsed share of the time (or steps).
"""

from __future__ import annotations

import numba
import numpy as np

from routing.search.arrays import LOC, PackedDay
from routing.search.insert import fill
from routing.search.params import SearchParams
from routing.search.ruin import ruin_recreate
from routing.search.segment import replan_segment
from routing.search.timing import cost, retime

# (first temperature, last temperature, end as a share of the time or steps)
Phase = tuple[float, float, float]


def phases(day: PackedDay, params: SearchParams) -> list[Phase]:
    """The annealing's phases, each from the best plan so far. The scale is the hotter of
    travel (the nearest-neighbour arc) and the value scale. Where the value scale is the
    hotter, annealing at it may give up a customer for a while; the last ``polish_share`` then
    anneals at the scale of travel alone, which orders the visits finely. Not where travel only
    breaks ties, as in the TOPTW: there it would only take time from the search for value, which
    instead runs in ``rounds_ties`` rounds, every second one from ``t_warm_ties``."""
    arc = typical_arc_cost(day)
    hot = max(arc, value_scale(day, params))
    p = params
    if day.ties:
        return [((p.t_warm_ties if i % 2 else p.t_start_ties) * hot, p.t_end_ties * hot,
                 (i + 1) / p.rounds_ties) for i in range(p.rounds_ties)]
    if hot == arc:
        return [(p.t_start * hot, p.t_end * hot, 1.0)]
    return [(p.t_start * hot, p.t_end * hot, 1.0 - p.polish_share),
            (p.t_start * arc, p.t_end * arc, 1.0)]


def typical_arc_cost(day: PackedDay) -> float:
    """The mean cost of driving from a customer to its nearest neighbour."""
    a = day.arrays
    if a.adj.shape[1] == 0:
        return 1.0
    loc = a.cust[:, LOC]
    legs = a.dur[loc, loc[a.adj[:, 0]]].astype(np.float64)
    return max(1.0, float(legs.mean()) * max(1, int(a.terms.travel_cost)))


def value_scale(day: PackedDay, params: SearchParams) -> float:
    """``value_temperature`` (``value_temperature_ties`` where travel only breaks ties) times
    the median value of an optional customer (0 if none)."""
    if not len(day.optional_values):
        return 0.0
    share = params.value_temperature_ties if day.ties else params.value_temperature
    return share * float(np.median(day.optional_values))


@numba.njit(cache=True)
def seed(value):
    """Seed the compiled steps' random numbers."""
    np.random.seed(value)


@numba.njit(cache=True)
def run_steps(count, temperature, costs, routes, best_seq, best_len, day, undo, labels):
    """``count`` steps at ``temperature``; ``costs`` holds the current and the best plan's
    cost, ``best_seq``/``best_len`` the best plan."""
    touched, in_pool, pool = undo.touched, undo.in_pool, undo.pool
    n = routes.route_of.shape[0]
    k = routes.length.shape[0]
    key = np.empty(n, dtype=np.float64)
    buf = np.empty(routes.seq.shape[1] + 1, dtype=np.int64)
    for _ in range(count):
        for v in range(k):
            touched[v] = 0
        if day.moves.segment_size > 0 and np.random.random() < day.moves.segment_share:
            npool = replan_segment(routes, day, undo, labels)
            if npool > 0:
                npool = fill(npool, routes, day, undo, buf)
        else:
            npool = ruin_recreate(routes, day, undo, key, buf)
        new_cost = cost(routes, day)
        if float(new_cost - costs[0]) < -temperature * np.log(np.random.random()):
            costs[0] = new_cost
            keep(routes, best_seq, best_len, costs, new_cost, undo)
        else:
            undo_step(routes, day, undo, npool)
        for a in range(npool):
            in_pool[pool[a]] = 0


@numba.njit(cache=True)
def keep(routes, best_seq, best_len, costs, new_cost, undo):
    """Take the step; if it is the best plan so far, copy the routes changed since the last
    best."""
    touched, dirty, length, seq = undo.touched, undo.dirty, routes.length, routes.seq
    k = length.shape[0]
    for v in range(k):
        if touched[v]:
            dirty[v] = 1
    if new_cost < costs[1]:
        costs[1] = new_cost
        for v in range(k):
            if dirty[v]:
                best_seq[v, :length[v]] = seq[v, :length[v]]
                best_len[v] = length[v]
                dirty[v] = 0


@numba.njit(cache=True)
def undo_step(routes, day, undo, npool):
    """Put every route the step touched back as it was."""
    route_of, length, seq = routes.route_of, routes.length, routes.seq
    pool, touched, saved_len, saved_seq = undo.pool, undo.touched, undo.saved_len, undo.saved_seq
    for a in range(npool):
        route_of[pool[a]] = -1
    for v in range(length.shape[0]):
        if touched[v]:
            length[v] = saved_len[v]
            seq[v, :saved_len[v]] = saved_seq[v, :saved_len[v]]
            for kk in range(saved_len[v]):
                route_of[seq[v, kk]] = v
            retime(routes, v, day)
