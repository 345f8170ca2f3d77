"""A prepared day packed into integer arrays for the compiled steps.

One row per candidate customer (``cust``, ``win``, ``allowed``, ``value``) and one per collector
(``veh``), the travel matrix as it is, and each customer's nearest customers. Columns are named
below; values are scaled by 3600 so that travel cost (seconds x value per hour) stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from routing.prepare import Prepared
from routing.search.params import Moves, SearchParams, Terms

# Customer columns.
LOC, SVC, NWIN, PREF, MAND, DEMAND = range(6)
# Collector columns: start and end locations, shift, break window and duration (-1: no break),
# visit, travel and load caps, and the share of a visit's value the route earns (per mille).
# GROUP: whose route it is (its own index, or the collectors' count plus its person's index),
# which a customer's PREF names.
START, END, SS, SE, BES, BLE, BDUR, MAXV, MAXT, CAP, KEEP, GROUP = range(12)
BIG = 2**40


class DayArrays(NamedTuple):
    """What the compiled steps read and never change."""

    cust: np.ndarray  # (customers, 6): the columns above
    win: np.ndarray  # (customers, windows, 2): service-start windows, earliest first
    veh: np.ndarray  # (collectors, 12): the columns above
    dur: np.ndarray  # travel seconds between locations (int32)
    allowed: np.ndarray  # (customers, collectors): who may go
    value: np.ndarray  # value x 3600
    adj: np.ndarray  # each customer's nearest customers, nearest first
    vadj: np.ndarray  # segment re-planning: first customers of each collector, then last
    terms: Terms
    moves: Moves


@dataclass(frozen=True, eq=False)
class PackedDay:
    """The arrays and how their rows map back to the problem's customers."""

    arrays: DayArrays
    ids: np.ndarray  # row -> customer index
    row: dict[int, int]  # customer index -> row
    ties: bool  # travel only breaks ties (see routing.prepare)
    optional_values: np.ndarray  # value x 3600 of every optional customer worth something


def pack(prepared: Prepared, params: SearchParams) -> PackedDay:
    """Pack the candidate customers of ``prepared`` and its collectors."""
    problem, windows, candidates = prepared.problem, prepared.windows, prepared.candidates
    ids = np.array(sorted(candidates), dtype=np.int64)
    n, k = len(ids), len(problem.collectors)
    max_windows = max((len(windows[i]) for i in ids), default=1)
    cust = np.zeros((n, 6), dtype=np.int64)
    win = np.zeros((n, max(1, max_windows), 2), dtype=np.int64)
    value = np.zeros(n, dtype=np.int64)
    index = _groups(problem.collectors)
    allowed = np.zeros((n, k), dtype=np.bool_)
    for r, i in enumerate(ids):
        c = problem.customers[i]
        cust[r] = (c.location, c.service_duration, len(windows[i]),
                   index.get(c.preferred_collector, -1), c.mandatory, c.demand)
        for w, tw in enumerate(windows[i]):
            win[r, w] = (tw.start, tw.end)
        value[r] = c.value * 3600
        allowed[r, list(candidates[int(i)])] = True
    veh = _collectors(problem.collectors, n)
    dur = np.ascontiguousarray(problem.travel.durations, dtype=np.int32)
    policy = problem.policy
    terms = Terms(policy.travel_cost_per_hour, policy.preferred_bonus * 3600,
                  policy.balance_cost_per_visit * 3600,
                  4 * (int(value.sum()) + policy.preferred_bonus * 3600 * n + 1))
    ties = prepared.travel_breaks_ties
    # Where travel only breaks ties and no collector has a break, insertions are measured by
    # the time they take, and with one window per customer stretches are re-planned exactly.
    by_time = ties and not (veh[:, BDUR] >= 0).any()
    one_window = max_windows <= 1
    segment = by_time and one_window
    moves = Moves(int(by_time), int(one_window),
                  params.max_string_ties if ties else params.max_string,
                  params.segment_size if segment else 0, params.average_removed,
                  params.split_share, params.split_stop, params.blink, params.segment_share,
                  params.segment_trade_share, params.segment_free, params.segment_depth,
                  params.segment_states)
    adj = _neighbours(cust, dur, params.neighbours)
    vadj = (_ends_neighbours(cust, win, veh, dur, params.neighbours) if segment
            else np.zeros((2 * k, 1), dtype=np.int64))
    arrays = DayArrays(cust, win, veh, dur, allowed, value, adj, vadj, terms, moves)
    optional = value[(cust[:, MAND] == 0) & (value > 0)]
    return PackedDay(arrays, ids, {int(i): r for r, i in enumerate(ids)}, ties, optional)


def _collectors(collectors, n: int) -> np.ndarray:
    veh = np.zeros((len(collectors), 12), dtype=np.int64)
    groups = _groups(collectors)
    for v, c in enumerate(collectors):
        brk = c.lunch_break
        veh[v] = (c.start_location, c.end_location, c.shift_start, c.shift_end,
                  brk.earliest_start if brk else 0, brk.latest_end if brk else 0,
                  brk.duration if brk else -1,
                  n if c.max_visits is None else c.max_visits,
                  BIG if c.max_travel_time is None else c.max_travel_time,
                  BIG if c.capacity is None else c.capacity, round(1000 * c.value_factor),
                  groups[c.id])
    return veh


def _groups(collectors) -> dict[str, int]:
    """Collector ids and persons -> the GROUP a customer's PREF names."""
    k = len(collectors)
    persons = {p: k + g for g, p in enumerate(dict.fromkeys(
        c.person for c in collectors if c.person is not None))}
    groups = dict(persons)
    for v, c in enumerate(collectors):
        groups[c.id] = v if c.person is None else persons[c.person]
    return groups


def _neighbours(cust: np.ndarray, dur: np.ndarray, most: int) -> np.ndarray:
    """Each customer's nearest customers (by travel both ways), nearest first."""
    n = len(cust)
    if n < 2:
        return np.zeros((n, 0), dtype=np.int64)
    take = min(most, n - 1)
    loc = cust[:, LOC]
    out = np.empty((n, take), dtype=np.int64)
    for a in range(0, n, 512):
        rows = loc[a:a + 512]
        d = (dur[np.ix_(rows, loc)].astype(np.int64) + dur[np.ix_(loc, rows)].T.astype(np.int64))
        d[np.arange(len(rows)), np.arange(a, a + len(rows))] = np.iinfo(np.int64).max
        part = np.argpartition(d, take - 1, axis=1)[:, :take]
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        out[a:a + len(rows)] = np.take_along_axis(part, order, axis=1)
    return out


def _ends_neighbours(cust: np.ndarray, win: np.ndarray, veh: np.ndarray, dur: np.ndarray,
                     most: int) -> np.ndarray:
    """Each collector's first customers (rows 0..k-1: by turns those whose visit can end
    soonest after the shift starts and the nearest to the start) and its nearest customers to
    the end (rows k..2k-1)."""
    n, k = len(cust), len(veh)
    take = max(1, min(most, n))
    out = np.zeros((2 * k, take), dtype=np.int64)
    if n == 0:
        return out
    loc = cust[:, LOC]
    for v in range(k):
        travel = dur[veh[v, START], loc].astype(np.int64)
        arrive = veh[v, SS] + travel
        done = np.maximum(arrive, win[:, 0, 0]) + cust[:, SVC]
        done[arrive > win[:, 0, 1]] = BIG
        soonest = np.argsort(done, kind="stable")
        nearest = np.argsort(travel, kind="stable")
        turns = np.stack([soonest, nearest], axis=1).ravel()
        _, first = np.unique(turns, return_index=True)
        out[v] = turns[np.sort(first)][:take]
        out[k + v] = np.argsort(dur[loc, veh[v, END]], kind="stable")[:take]
    return out
