"""Compiled best insertion, and the record of what a step changed (to undo it)."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from routing.search.arrays import (
    BDUR,
    CAP,
    DEMAND,
    GROUP,
    KEEP,
    LOC,
    MAND,
    MAXT,
    MAXV,
    NWIN,
    PREF,
    SVC,
)
from routing.search.timing import earliest, fits_at, retime_arrays, worth


class Undo(NamedTuple):
    """A step's pool of moved customers and the routes it touched, as they were."""

    pool: np.ndarray  # customer rows taken out or put in by the step
    in_pool: np.ndarray  # customer row -> 1 while in the pool
    touched: np.ndarray  # route -> 1 once the step changed it
    saved_seq: np.ndarray  # touched routes as they were
    saved_len: np.ndarray
    dirty: np.ndarray  # route -> 1 if changed since the best plan was copied


def new_undo(n: int, k: int, width: int) -> Undo:
    """An empty record for ``n`` customers and ``k`` routes of ``width`` places."""
    return Undo(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
                np.zeros(k, dtype=np.int64), np.zeros((k, width), dtype=np.int64),
                np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64))


@numba.njit(cache=True)
def keep_untouched(v, q, routes, undo):
    """After customer ``q`` went into route ``v``: if the step had not touched the route yet,
    keep a copy of it as it was before."""
    if undo.touched[v]:
        return
    seq, saved_seq = routes.seq, undo.saved_seq
    undo.touched[v] = 1
    undo.saved_len[v] = routes.length[v] - 1
    w = 0
    for kk in range(routes.length[v]):
        if seq[v, kk] != q:
            saved_seq[v, w] = seq[v, kk]
            w += 1


@numba.njit(cache=True, inline="always")
def first_place(latest, v, n, earliest_end):
    """The first place of route ``v`` (of ``n`` visits) whose next stop's latest arrival allows
    a visit that ends at ``earliest_end`` (latest arrivals never decrease along a route)."""
    first = 0
    hi = n + 1
    while first < hi:
        mid = (first + hi) >> 1
        if latest[v, mid] < earliest_end:
            first = mid + 1
        else:
            hi = mid
    return first


@numba.njit(cache=True)
def insert_best(r, seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh, dur,
               allowed, value, terms, moves, buf):
    """Put customer ``r`` at its most profitable feasible place (optional customers only where
    they gain); return whether it went in. Plain arrays (see
    :func:`routing.search.timing.fits_at`). Measured by travel, or with ``moves.by_time`` by
    the time the visit takes from the route
    (travel and waiting). With one window and no break (``quick``) a place fits if the next
    stop is still reached by its latest arrival: most places fail at once, by parts, on the
    room that leaves."""
    by_time, one_window, blink = moves.by_time, moves.one_window, moves.blink
    loc, svc = cust[r, LOC], cust[r, SVC]
    miss = terms.miss_cost if cust[r, MAND] else 0
    best_gain = 0.0 if not cust[r, MAND] else -1e30
    best_extra, best_v, best_p = 0, -1, -1
    close = win[r, cust[r, NWIN] - 1, 1]
    quick_time = by_time != 0 and one_window != 0
    for v in range(length.shape[0]):
        if not allowed[r, v]:
            continue
        quick = quick_time and veh[v, BDUR] < 0
        n = length[v]
        if n >= veh[v, MAXV] or load[v] + cust[r, DEMAND] > veh[v, CAP]:
            continue
        bonus = terms.preferred_bonus if cust[r, PREF] == veh[v, GROUP] else 0
        first = first_place(latest, v, n, win[r, 0, 0] + svc) if quick else 0
        for p in range(first, n + 1):
            if dep[v, p] > close:
                break  # left later than the last window closes, here and at every later place
            prev, nxt = stop[v, p], stop[v, p + 1]
            if quick:
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
            if travel[v] + extra > veh[v, MAXT]:
                continue
            if by_time:
                arrive = dep[v, p] + dur[prev, loc]
                start = earliest(win, r, cust[r, NWIN], arrive)
                if start < 0:
                    continue
                extra = extra + start - arrive
            gain = float(worth(value[r], veh[v, KEEP]) + miss + bonus
                         - extra * terms.travel_cost)
            if gain < best_gain or (gain == best_gain and (best_v < 0 or extra >= best_extra)):
                continue
            if quick:
                # Places that do not fit (most) draw no number for the blink.
                if start + svc + back > latest[v, p]:
                    continue
                if np.random.random() < blink:
                    continue
            else:
                if np.random.random() < blink:
                    continue
                if not fits_at(seq, n, dep, stop, latest, v, p, r, veh, cust, win, dur,
                               one_window, buf):
                    continue
            best_gain, best_extra, best_v, best_p = gain, extra, v, p
    if best_v < 0:
        return False
    n = length[best_v]
    for kk in range(n, best_p, -1):
        seq[best_v, kk] = seq[best_v, kk - 1]
    seq[best_v, best_p] = r
    length[best_v] = n + 1
    route_of[r] = best_v
    retime_arrays(seq, length, travel, load, dep, stop, latest, best_v, cust, win, veh, dur)
    return True


@numba.njit(cache=True)
def fill(npool, routes, day, undo, buf):
    """Insert every left-out customer that fits (into the pool too); returns the pool's size."""
    seq, length, route_of, travel, load, dep, stop, latest = routes
    cust, win, veh, dur, allowed, value, _, _, terms, moves = day
    in_pool, pool = undo.in_pool, undo.pool
    n = route_of.shape[0]
    off = np.random.randint(n)
    for a in range(n):
        q = (a + off) % n
        if route_of[q] >= 0 or in_pool[q]:
            continue
        if insert_best(q, seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh,
                      dur, allowed, value, terms, moves, buf):
            in_pool[q] = 1
            pool[npool] = q
            npool += 1
            keep_untouched(route_of[q], q, routes, undo)
    return npool
