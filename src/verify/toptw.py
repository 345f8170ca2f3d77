"""An independent checker of TOPTW plans: recomputes them from the instance file alone.

It shares no code with the engine or the benchmark's reader: the file is parsed here, travel is
the Euclidean distance floored as the set's convention says (to 0.1 for the Solomon-based sets,
0.01 for the Cordeau-based ones), service starts within [O, C] with waiting allowed, and every
path is back at the depot by Tmax (C of vertex 0).
"""

from __future__ import annotations

import math
from pathlib import Path

EPS = 1e-9


class Infeasible(ValueError):
    """A plan breaks a rule of the instance; the message says which."""


def toptw_score(path: Path, routes: list[list[int]], m: int) -> int:
    """The total score of ``routes`` (customer numbers per path), or :class:`Infeasible`."""
    rows = [ln.split() for ln in Path(path).read_text().splitlines()]
    vertices = {int(r[0]): [float(x) for x in r[1:]] for r in rows if len(r) >= 9}
    places = 100 if Path(path).parent.name.startswith("cordeau") else 10
    depot = vertices[0]
    tmax = depot[-1]

    def dist(a: list[float], b: list[float]) -> float:
        return math.floor(places * math.hypot(a[0] - b[0], a[1] - b[1]) + EPS) / places

    paths = [r for r in routes if r]
    if len(paths) > m:
        raise Infeasible(f"{len(paths)} paths, only {m} allowed")
    served = [c for r in paths for c in r]
    if len(served) != len(set(served)):
        raise Infeasible("a customer is visited twice")
    if 0 in served or any(c not in vertices for c in served):
        raise Infeasible("a visit to the depot or to an unknown vertex")
    for route in paths:
        t, prev = 0.0, depot
        for c in route:
            row = vertices[c]
            opening, closing = row[-2], row[-1]
            t = max(t + dist(prev, row), opening)
            if t > closing + EPS:
                raise Infeasible(f"customer {c} served at {t:.2f}, after its window closes at "
                                 f"{closing:g}")
            t += row[2]
            prev = row
        if t + dist(prev, depot) > tmax + EPS:
            raise Infeasible(f"a path is back at {t + dist(prev, depot):.2f}, after {tmax:g}")
    return round(sum(vertices[c][3] for c in served))
