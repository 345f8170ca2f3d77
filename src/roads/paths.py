"""Locations on a road network: each snapped to the nearest road node that can reach and be
reached from the rest of the network, then the travel between every pair of them by the
fastest path (scipy's compiled Dijkstra, many sources at a time)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from roads import profiles
from roads.errors import RoadsError
from roads.network import Network

# Locations farther than this from any road are refused by default.
MAX_SNAP_METRES = 500.0
# Sources per Dijkstra call: bounds the memory of the rows to sources x nodes.
_BATCH = 64


@dataclass(frozen=True, eq=False)
class Snapped:
    """Each location's road node and its distance to it (metres)."""

    nodes: np.ndarray
    metres: np.ndarray


@dataclass(frozen=True, eq=False)
class Travel:
    """Seconds and metres from each location (row) to each other (column), the way there
    included (walked from the door to the road and from the road to the door)."""

    seconds: np.ndarray
    metres: np.ndarray
    snapped: Snapped


def _plane(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Metres on a local plane (good to well under a metre over a city)."""
    return np.column_stack((np.radians(lon) * 6_371_000 * np.cos(np.radians(lat0)),
                            np.radians(lat) * 6_371_000))


@lru_cache(maxsize=8)
def _graph(network: Network, profile: str):
    """The profile's graph (CSR), the nodes of its largest strongly connected part (the only
    ones a location snaps to: from there every other is reachable), and a k-d tree of them."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    edges = network.profile(profile)
    n = len(network.lat)
    graph = csr_matrix((np.maximum(edges.seconds, 1e-3), (edges.tails, edges.heads)),
                       shape=(n, n))
    lengths = csr_matrix((np.maximum(edges.metres, 1e-3), (edges.tails, edges.heads)),
                         shape=(n, n))
    if graph.nnz == 0:
        raise RoadsError("profile", f"the network has no road for {profile}")
    _, label = connected_components(graph, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[edges.tails] = used[edges.heads] = True
    main = np.bincount(label[used]).argmax()
    candidates = np.flatnonzero(used & (label == main))
    lat0 = float(network.lat[candidates].mean())
    return graph, lengths, candidates, cKDTree(_plane(network.lat[candidates],
                                                      network.lon[candidates], lat0)), lat0


def snap(network: Network, profile: str, lat: np.ndarray, lon: np.ndarray, *,
         max_metres: float = MAX_SNAP_METRES, names: list[str] | None = None) -> Snapped:
    """The nearest usable road node of each location. Raises ``RoadsError`` naming the first
    location farther than ``max_metres`` from any road (and how far it is)."""
    _, _, candidates, tree, lat0 = _graph(network, profile)
    metres, nearest = tree.query(_plane(np.asarray(lat, float), np.asarray(lon, float), lat0))
    far = np.flatnonzero(metres > max_metres)
    if len(far):
        i = int(far[0])
        who = names[i] if names else f"location {i}"
        raise RoadsError(who, f"{metres[i]:.0f} m from the nearest road {profiles.WHO[profile]} "
                              f"can use (at most {max_metres:g} m); check its coordinates")
    return Snapped(candidates[nearest], metres)


def travel(network: Network, profile: str, lat, lon, *, max_metres: float = MAX_SNAP_METRES,
           names: list[str] | None = None, processes: int = 1) -> Travel:
    """Seconds and metres between every pair of locations by the fastest road path, the
    searches spread over ``processes`` processes (one per core pays from a few hundred
    locations on)."""
    graph, lengths, _, _, _ = _graph(network, profile)
    snapped = snap(network, profile, lat, lon, max_metres=max_metres, names=names)
    nodes, inverse = np.unique(snapped.nodes, return_inverse=True)
    seconds = np.empty((len(nodes), len(nodes)))
    metres = np.empty((len(nodes), len(nodes)))
    batches = [nodes[start:start + _BATCH] for start in range(0, len(nodes), _BATCH)]
    if processes > 1 and len(batches) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(processes, mp_context=get_context("spawn"),
                                 initializer=_share, initargs=(graph, lengths, nodes)) as pool:
            found = list(pool.map(_rows, batches))
    else:
        _share(graph, lengths, nodes)
        found = [_rows(rows) for rows in batches]
    start = 0
    for times, along in found:
        seconds[start:start + len(times)] = times
        metres[start:start + len(times)] = along
        start += len(times)
    walk = snapped.metres / (profiles.SNAP_KMH / 3.6)
    full_seconds = seconds[np.ix_(inverse, inverse)] + walk[:, None] + walk[None, :]
    full_metres = metres[np.ix_(inverse, inverse)] + snapped.metres[:, None] + snapped.metres[
        None, :]
    np.fill_diagonal(full_seconds, 0)
    np.fill_diagonal(full_metres, 0)
    return Travel(np.rint(full_seconds).astype(np.int64), np.rint(full_metres).astype(np.int64),
                  snapped)


_shared: dict = {}


def _share(graph, lengths, targets: np.ndarray) -> None:
    """What every search of one matrix reads (in each process, once)."""
    _shared.update(graph=graph, lengths=lengths, targets=targets)


def _rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and metres from ``rows`` to every target."""
    from scipy.sparse.csgraph import dijkstra

    targets = _shared["targets"]
    times, previous = dijkstra(_shared["graph"], indices=rows, return_predecessors=True)
    return times[:, targets], _lengths_along(_shared["lengths"], previous, rows, targets)


def _lengths_along(lengths, previous: np.ndarray, rows: np.ndarray, targets: np.ndarray
                   ) -> np.ndarray:
    """The metres of each fastest path (rows to targets), summed along its predecessors."""
    return _metres_on_trees(lengths.indptr, lengths.indices, lengths.data,
                            previous.astype(np.int64), rows.astype(np.int64),
                            targets.astype(np.int64))


@numba.njit(cache=True)
def _metres_on_trees(indptr, indices, data, previous, rows, targets):  # pragma: no cover
    """Per source, the metres to every node down its shortest-path tree (a node after its
    predecessor: each node's chain is followed once, memoised)."""
    n = previous.shape[1]
    out = np.zeros((len(rows), len(targets)))
    metres = np.empty(n)
    done = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    for r in range(len(rows)):
        done[:] = False
        metres[rows[r]] = 0.0
        done[rows[r]] = True
        for t in range(len(targets)):
            node, depth = targets[t], 0
            while not done[node] and previous[r, node] >= 0:
                stack[depth] = node
                depth += 1
                node = previous[r, node]
            if not done[node]:  # unreachable: no path
                out[r, t] = np.inf
                continue
            while depth > 0:
                depth -= 1
                child = stack[depth]
                parent = previous[r, child]
                length = 0.0
                for k in range(indptr[parent], indptr[parent + 1]):
                    if indices[k] == child:
                        length = data[k]
                        break
                metres[child] = metres[parent] + length
                done[child] = True
            out[r, t] = metres[targets[t]]
    return out
