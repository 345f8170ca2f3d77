"""Compiled exact re-planning of a stretch of one route (where travel only breaks ties).

A random stretch of a route, its own customers and left-out ones near it: the most valuable
timed path between the visits around the stretch, found by dynamic programming over subsets
(times and windows as in the route; the rest of the route keeps its slack). Half of the time
the path's value is offset by its time at a random rate around the route's own value per second
of its time, so that the stretch may give up value for time the rest of the route can use.
On only where every customer has one window and no collector a break.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from routing.search.arrays import BIG, CAP, END, GROUP, KEEP, LOC, MAND, MAXT, MAXV, PREF, SS, SVC
from routing.search.timing import retime, worth


class Labels(NamedTuple):
    """The re-planning's work arrays: a label per (last customer, customers visited) with its
    stamp, time, value and parent; the candidates; two layers of states; the last stamp."""

    lab: np.ndarray
    cand: np.ndarray
    cur: np.ndarray
    nxt: np.ndarray
    stamp: np.ndarray


def new_labels(size: int) -> Labels:
    """Work arrays for re-plannings of up to ``size`` customers."""
    size = max(1, size)
    states = size << size
    return Labels(np.zeros((states, 4), dtype=np.int64), np.empty(size, dtype=np.int64),
                  np.empty(states, dtype=np.int64), np.empty(states, dtype=np.int64),
                  np.zeros(1, dtype=np.int64))


@numba.njit(cache=True)
def replan_segment(routes, day, undo, labels):
    """Re-plan a random stretch of a random route. Returns how many customers it put in the
    pool (those taken out or put in), 0 if the route stays as it was."""
    # The parts take the arrays they read rather than the named tuples: a call that is given
    # a tuple takes a reference to each of its arrays, which cost a tenth of the speed here.
    seq, length, route_of, dep, stop, latest = (routes.seq, routes.length, routes.route_of,
                                                routes.dep, routes.stop, routes.latest)
    cust, dur, moves, cand = day.cust, day.dur, day.moves, labels.cand
    v, lo, hi = pick_stretch(length, moves)
    if v < 0:
        return 0
    nc = gather(seq, route_of, length[v], undo.in_pool, day.allowed, day.adj, day.vadj, cand,
                moves, v, lo, hi)
    dm, opening, svc, cap, to_b, cval = local_tables(cand, nc, v, stop[v, hi + 1],
                                                     latest[v, hi], undo.in_pool, cust, dur,
                                                     day.win, day.value, day.terms,
                                                     day.veh[v, KEEP], day.veh[v, GROUP])
    rate = trade_rate(seq, dep, length[v], v, cust, dur, day.veh, day.value, moves)
    old_arrive = dep[v, hi] + dur[stop[v, hi], stop[v, hi + 1]]
    sid, ncur = first_labels(labels.lab, cand, labels.cur, labels.stamp, stop[v, lo], dep[v, lo],
                             nc, opening, svc, cap, cval, cust, dur)
    best_state, best_score, best_val, best_arrive, old_val, old_score = best_path(
        labels.lab, labels.cur, labels.nxt, sid, ncur, nc, hi - lo, latest[v, hi], old_arrive,
        rate, dm, opening, svc, cap, to_b, cval, moves.segment_states)
    if (best_state < 0 or best_score < old_score
            or (best_val == old_val and best_arrive >= old_arrive)):
        return 0
    # The stretch, backwards along the parents.
    full = 1 << nc
    cnt = 0
    order = np.empty(nc, dtype=np.int64)
    s0 = best_state
    while s0 >= 0:
        order[cnt] = s0 // full
        cnt += 1
        s0 = labels.lab[s0, 3]
    return splice(routes, day, undo, labels.cand, order, cnt, v, lo, hi)


@numba.njit(cache=True)
def pick_stretch(length, moves):
    """A random route that visits someone and a random stretch of it: (route, first, end), or
    route -1."""
    k = length.shape[0]
    v = np.random.randint(k)
    tries = 0
    while length[v] == 0 and tries < 4 * k:
        v = np.random.randint(k)
        tries += 1
    nv = length[v]
    if nv == 0:
        return -1, 0, 0
    size = moves.segment_size
    span = 1 + np.random.randint(min(nv, max(1, size - moves.segment_free)))
    lo = np.random.randint(nv - span + 1)
    return v, lo, lo + span


@numba.njit(cache=True)
def gather(seq, route_of, nv, in_pool, allowed, adj, vadj, cand, moves, v, lo, hi):
    """The stretch's customers, then left-out ones drawn at random from those nearest to its
    visits, its ends or the route's start and end, then the nearest in turn; returns how many."""
    k = vadj.shape[0] // 2
    size = moves.segment_size
    nc = 0
    for kk in range(lo, hi):
        cand[nc] = seq[v, kk]
        nc += 1
    depth = min(moves.segment_depth, adj.shape[1], vadj.shape[1])
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
        nc = _pool_add(c, v, route_of, in_pool, allowed, cand, nc)
    for jj in range(adj.shape[1]):
        if nc >= size:
            break
        for kk in range(lo - 1, hi + 1):
            if nc >= size:
                break
            if kk < 0 or kk >= nv:
                continue
            nc = _pool_add(adj[seq[v, kk], jj], v, route_of, in_pool, allowed, cand, nc)
    return nc


@numba.njit(cache=True)
def _pool_add(c, v, route_of, in_pool, allowed, cand, nc):
    """Put customer ``c`` in the pool if it is free and collector ``v`` may visit it; the
    pool's new size."""
    if route_of[c] >= 0 or in_pool[c] or not allowed[c, v]:
        return nc
    in_pool[c] = 1
    cand[nc] = c
    return nc + 1


@numba.njit(cache=True)
def local_tables(cand, nc, v, b_loc, due, in_pool, cust, dur, win, value, terms, keep, group):
    """Local copies for the candidates (about 1.7 times as fast as reading the day's arrays;
    the same paths): travel between them, each one's opening, service and latest arrival (from
    which the visit ends in its window and the stretch's end in time: a candidate reached by
    then is served at max(arrival, opening)), travel to the stretch's end and value."""
    cval = np.empty(nc, dtype=np.int64)
    for a in range(nc):
        r = cand[a]
        in_pool[r] = 0
        cval[a] = (worth(value[r], keep) + (terms.preferred_bonus if cust[r, PREF] == group else 0)
                   + (terms.miss_cost if cust[r, MAND] else 0))
    dm = np.empty((nc, nc), dtype=np.int64)
    opening = np.empty(nc, dtype=np.int64)
    svc = np.empty(nc, dtype=np.int64)
    cap = np.empty(nc, dtype=np.int64)
    to_b = np.empty(nc, dtype=np.int64)
    for c in range(nc):
        r = cand[c]
        loc = cust[r, LOC]
        for d in range(nc):
            dm[c, d] = dur[loc, cust[cand[d], LOC]]
        opening[c] = win[r, 0, 0]
        svc[c] = cust[r, SVC]
        to_b[c] = dur[loc, b_loc]
        cap[c] = min(win[r, 0, 1], due - svc[c] - to_b[c])
        if opening[c] > cap[c]:
            cap[c] = -1  # never in time
    return dm, opening, svc, cap, to_b, cval


@numba.njit(cache=True)
def trade_rate(seq, dep, nv, v, cust, dur, veh, value, moves):
    """Half of the time, a random rate of value per second of the route's own time (not of the
    shift, which may end long after the last window closes); else 0."""
    rate = 0.0
    if np.random.random() < moves.segment_trade_share:
        route_value = 0
        for kk in range(nv):
            route_value += worth(value[seq[v, kk]], veh[v, KEEP])
        used = dep[v, nv] + dur[cust[seq[v, nv - 1], LOC], veh[v, END]] - veh[v, SS]
        rate = 2.0 * np.random.random() * route_value / max(1, used)
    return rate


@numba.njit(cache=True)
def knapsack_order(nc, rate, dm, svc, to_b, cval):
    """For the bound: each candidate's least time in (its service and shortest arc into it),
    its gain less the rate for that time, the candidates by gain per second, and the shortest
    leg to the stretch's end."""
    least_in = np.empty(nc, dtype=np.int64)
    gain = np.empty(nc, dtype=np.float64)
    density = np.empty(nc, dtype=np.float64)
    least_to_b = to_b[0]
    for d in range(nc):
        least_to_b = min(least_to_b, to_b[d])
        m = BIG
        for e in range(nc):
            if e != d:
                m = min(m, dm[e, d])
        least_in[d] = m + svc[d]
        gain[d] = cval[d] - rate * least_in[d]
        density[d] = gain[d] / max(1, least_in[d])
    return least_in, gain, np.argsort(-density), least_to_b


@numba.njit(cache=True)
def first_labels(lab, cand, cur, stamp, a_loc, t0, nc, opening, svc, cap, cval, cust, dur):
    """A new stamp, and a label for each candidate reached in time straight from the stop
    before the stretch (at ``a_loc``, left at ``t0``); returns (the stamp, how many labels)."""
    full = 1 << nc
    stamp[0] += 1
    sid = stamp[0]
    ncur = 0
    for c in range(nc):
        arrive = t0 + dur[a_loc, cust[cand[c], LOC]]
        if arrive <= cap[c]:
            s0 = c * full + (1 << c)
            lab[s0, 0], lab[s0, 1], lab[s0, 2], lab[s0, 3] = (
                sid, max(arrive, opening[c]) + svc[c], cval[c], -1)
            cur[ncur] = s0
            ncur += 1
    return sid, ncur


@numba.njit(cache=True)
def best_path(lab, cur, nxt, sid, ncur, nc, span, due, old_arrive, rate, dm, opening, svc, cap,
              to_b, cval, max_states):
    """The best path over the candidates, layer by layer (one more visit each) from the ``ncur``
    first labels; ``due`` is the latest arrival at the stretch's end. A state whose bound is
    below both the stretch as it is (its first ``span`` candidates) and the best path so far is
    not extended (a margin for rounding). Returns (best state, its score, value and arrival at
    the end; the stretch's value and score as it is); best state -1 if none or too many
    states."""
    full = 1 << nc
    old_val = 0
    for a in range(span):
        old_val += cval[a]
    old_score = old_val - rate * old_arrive
    least_in, gain, by_density, least_to_b = knapsack_order(nc, rate, dm, svc, to_b, cval)
    best_score, best_val, best_arrive, best_state = -1e300, -1, 2**62, -1
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
            # The bound: each further visit takes at least its least time in, and at most the
            # time left can be spent (fractional knapsack by gain per second).
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
                    lab[s2, 0], lab[s2, 1], lab[s2, 2], lab[s2, 3] = sid, t2, val + cval[d], s0
                    nxt[nnext] = s2
                    nnext += 1
                elif t2 < lab[s2, 1]:
                    lab[s2, 1] = t2
                    lab[s2, 3] = s0
        for a in range(nnext):
            cur[a] = nxt[a]
        ncur = nnext
        states += nnext
        if states > max_states:
            return -1, 0.0, 0, 0, old_val, old_score
    return best_state, best_score, best_val, best_arrive, old_val, old_score


@numba.njit(cache=True)
def splice(routes, day, undo, cand, order, cnt, v, lo, hi):
    """Put the path ``order[cnt-1..0]`` in place of the stretch; the customers taken out or put
    in go to the pool. Over a cap, the route is put back (and 0 returned)."""
    seq, route_of, pool, in_pool = routes.seq, routes.route_of, undo.pool, undo.in_pool
    nv = routes.length[v]
    new_len = nv - (hi - lo) + cnt
    if new_len > day.veh[v, MAXV] or new_len + 1 > seq.shape[1]:
        return 0
    undo.touched[v] = 1
    undo.saved_seq[v, :nv] = seq[v, :nv]
    undo.saved_len[v] = nv
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
    routes.length[v] = w
    retime(routes, v, day)
    if routes.load[v] > day.veh[v, CAP] or routes.travel[v] > day.veh[v, MAXT]:
        # Over a cap: put the route back (the caller sees no change).
        for a in range(npool):
            route_of[pool[a]] = -1
            in_pool[pool[a]] = 0
        routes.length[v] = nv
        seq[v, :nv] = undo.saved_seq[v, :nv]
        for kk in range(nv):
            route_of[seq[v, kk]] = v
        retime(routes, v, day)
        undo.touched[v] = 0
        return 0
    return npool
