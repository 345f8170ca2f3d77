"""Compiled ruin and recreate: slack induction by string removals (SISR, Christiaens and Vanden
Berghe, 2020).

A step takes strings of consecutive visits out of a few routes near a random customer (with
the left-out customers near it), then puts every customer of the pool back at its best place,
in one of four orders.
"""

from __future__ import annotations

import numba
import numpy as np

from routing.search.arrays import LOC, MAND
from routing.search.insert import insert_best, keep_untouched
from routing.search.timing import retime


@numba.njit(cache=True)
def ruin_recreate(routes, day, undo, key, buf):
    """One SISR step. Returns how many customers it put in the pool."""
    npool, seed_r = ruin(routes, day, undo)
    recreate(routes, day, undo, npool, seed_r, key, buf)
    return npool


@numba.njit(cache=True)
def ruin(routes, day, undo):
    """Strings out of up to ``ks`` routes around a random customer, the left-out customers
    near it and every left-out mandatory customer into the pool. Returns (pool size, the
    random customer)."""
    length, route_of, in_pool, pool, touched, adj, cust = (
        routes.length, routes.route_of, undo.in_pool, undo.pool, undo.touched, day.adj, day.cust)
    n = route_of.shape[0]
    k = length.shape[0]
    moves = day.moves
    visited = 0
    for v in range(k):
        visited += length[v]
    used = 0
    for v in range(k):
        if length[v] > 0:
            used += 1
    avg_len = visited / max(1, used)
    ls_max = min(float(moves.max_string), max(1.0, avg_len))
    ks_max = 4.0 * moves.average_removed / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    seed_r = np.random.randint(n)
    npool = 0
    ruined = 0
    for j in range(-1, adj.shape[1]):
        if ruined >= ks:
            break
        c = seed_r if j < 0 else adj[seed_r, j]
        if in_pool[c]:
            continue
        v = route_of[c]
        if v < 0:
            if j < 3 * moves.average_removed:
                in_pool[c] = 1
                pool[npool] = c
                npool += 1
            continue
        if touched[v]:
            continue
        ruined += 1
        npool = remove_string(routes, day, undo, v, c, ls_max, npool)
    for r in range(n):
        if route_of[r] < 0 and cust[r, MAND] and not in_pool[r]:
            in_pool[r] = 1
            pool[npool] = r
            npool += 1
    return npool, seed_r


@numba.njit(cache=True)
def remove_string(routes, day, undo, v, c, ls_max, npool):
    """Take a string of visits containing customer ``c`` out of route ``v`` (or, some of the
    time, a longer one of which a run in the middle stays) into the pool; returns its size."""
    seq, route_of, pool, in_pool = routes.seq, routes.route_of, undo.pool, undo.in_pool
    undo.touched[v] = 1
    undo.saved_seq[v, :routes.length[v]] = seq[v, :routes.length[v]]
    undo.saved_len[v] = routes.length[v]
    nv = routes.length[v]
    lt_max = min(float(nv), ls_max)
    lt = int(np.random.random() * lt_max) + 1
    pos = 0
    while seq[v, pos] != c:
        pos += 1
    keep = 0
    if np.random.random() < day.moves.split_share and lt < nv:
        keep = 1
        while lt + keep < nv and np.random.random() > day.moves.split_stop:
            keep += 1
    span = lt + keep
    lo = pos - np.random.randint(span)
    if lo < 0:
        lo = 0
    if lo + span > nv:
        lo = nv - span
    keep_from = lo + np.random.randint(lt + 1) if keep > 0 else lo + span
    for kk in range(lo, lo + span):
        if keep > 0 and keep_from <= kk < keep_from + keep:
            continue
        q = seq[v, kk]
        pool[npool] = q
        in_pool[q] = 1
        npool += 1
    w = 0
    for kk in range(nv):
        q = seq[v, kk]
        if in_pool[q] and route_of[q] == v:
            route_of[q] = -1
            continue
        seq[v, w] = q
        w += 1
    routes.length[v] = w
    retime(routes, v, day)
    return npool


@numba.njit(cache=True)
def recreate(routes, day, undo, npool, seed_r, key, buf):
    """Put the pool back, each at its best place, in one of four orders: random, by value,
    far from or near the random customer."""
    seq, length, route_of, travel, load, dep, stop, latest = routes
    cust, win, veh, dur, allowed, value, _, _, terms, moves = day
    pool = undo.pool
    mode = np.random.randint(4)
    seed_loc = cust[seed_r, LOC]
    for a in range(npool):
        q = pool[a]
        if mode == 0:
            key[a] = np.random.random()
        elif mode == 1:
            key[a] = -float(value[q]) - (1e18 if cust[q, MAND] else 0.0)
        elif mode == 2:
            key[a] = -float(dur[seed_loc, cust[q, LOC]])
        else:
            key[a] = float(dur[seed_loc, cust[q, LOC]])
    order = np.argsort(key[:npool])
    for a in range(npool):
        q = pool[order[a]]
        if insert_best(q, seq, length, route_of, travel, load, dep, stop, latest, cust, win, veh,
                      dur, allowed, value, terms, moves, buf):
            keep_untouched(route_of[q], q, routes, undo)
