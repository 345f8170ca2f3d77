"""Which collectors may take each case: skills, territory, exclusions and distance from base.

Computed in blocks of cases with NumPy so that 100,000 cases x 2,000 collectors stay within
memory. For each case only the ``k`` nearest eligible collectors (plus its current collector)
become candidate pairs of the model; the flags say why a case has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocation.problem import AllocationProblem
from common.geo import geodesic_metres

_BLOCK = 1024
_EARTH_M = 6_371_008.8


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate (case, collector) pairs with their road distance from the collector's base."""

    case: np.ndarray  # int32
    collector: np.ndarray  # int32
    distance: np.ndarray  # int64 metres (straight line x detour factor)
    skilled_in_reach: np.ndarray  # bool per case: someone with skills and territory within reach
    eligible: np.ndarray  # bool per case: ... and not excluded
    offsets: np.ndarray  # pairs of case i are offsets[i]:offsets[i + 1] (pairs sorted by case)

    def of_case(self, i: int) -> slice:
        """The pairs of case ``i``."""
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))


class Eligibility:
    """Vectorised eligibility tests of one problem."""

    def __init__(self, problem: AllocationProblem) -> None:
        self.problem = problem
        cases, collectors = problem.cases, problem.collectors
        skills = sorted({s for c in cases for s in c.required_skills}
                        | {s for k in collectors for s in k.skills})
        bit = {s: np.uint64(1) << np.uint64(i) for i, s in enumerate(skills)}
        mask = lambda names: np.uint64(sum(int(bit[s]) for s in names))  # noqa: E731
        self.case_skills = np.array([mask(c.required_skills) for c in cases], dtype=np.uint64)
        self.collector_skills = np.array([mask(k.skills) for k in collectors], dtype=np.uint64)
        regions = sorted({c.region for c in cases if c.region is not None})
        index = {r: i for i, r in enumerate(regions)}
        self.case_region = np.array([-1 if c.region is None else index[c.region] for c in cases],
                                    dtype=np.int64)
        allowed = np.ones((len(regions) + 1, len(collectors)), dtype=bool)  # last row: no region
        for j, k in enumerate(collectors):
            if k.regions is not None:
                allowed[:len(regions), j] = [r in k.regions for r in regions]
        self.region_allowed = allowed
        ids = {k.id: j for j, k in enumerate(collectors)}
        self.excluded = {i: [ids[x] for x in c.excluded_collectors if x in ids]
                         for i, c in enumerate(cases) if c.excluded_collectors}
        self.case_lat = np.array([c.lat for c in cases])
        self.case_lon = np.array([c.lon for c in cases])
        self.col_lat = np.array([k.lat for k in collectors])
        self.col_lon = np.array([k.lon for k in collectors])
        self.case_lat_rad, self.case_lon_rad = np.radians(self.case_lat), np.radians(self.case_lon)
        self.col_lat_rad, self.col_lon_rad = np.radians(self.col_lat), np.radians(self.col_lon)
        lons = np.concatenate([self.case_lon, self.col_lon])
        self.wraps = bool(lons.size) and float(lons.max() - lons.min()) > 180
        self.current = np.array([ids[c.current_collector] if c.current_collector else -1
                                 for c in cases], dtype=np.int64)

    def road_metres(self, cases: np.ndarray, collectors: np.ndarray) -> np.ndarray:
        """Exact (ellipsoidal) distance times the detour factor, for matching index arrays."""
        d = geodesic_metres(self.case_lat[cases], self.case_lon[cases],
                            self.col_lat[collectors], self.col_lon[collectors])
        return np.rint(d * self.problem.policy.detour_factor).astype(np.int64)

    def block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(approximate road distance, skilled-and-in-territory-and-in-reach, eligible) for
        cases ``lo:hi`` against every collector."""
        # Equirectangular at the case's latitude: within a fraction of a percent at the
        # distances that matter, and cheap enough for every pair; kept pairs are re-measured.
        lat = self.case_lat_rad[lo:hi, None]
        d_lat = lat - self.col_lat_rad[None, :]
        d_lon = self.case_lon_rad[lo:hi, None] - self.col_lon_rad[None, :]
        if self.wraps:
            d_lon = (d_lon + np.pi) % (2 * np.pi) - np.pi
        x = d_lon * np.cos(lat)
        approx = np.sqrt(x * x + d_lat * d_lat)
        approx *= _EARTH_M * self.problem.policy.detour_factor
        skills = self.case_skills[lo:hi, None]
        ok = (self.collector_skills[None, :] & skills) == skills
        ok &= self.region_allowed[self.case_region[lo:hi]]
        limit = self.problem.policy.max_distance_m
        if limit is not None:
            ok &= approx <= limit * 1.01  # refined with exact distances on the kept pairs
        eligible = ok.copy()
        for i in range(lo, hi):
            if i in self.excluded:
                eligible[i - lo, self.excluded[i]] = False
        return approx, ok, eligible


def build_candidates(problem: AllocationProblem, eligibility: Eligibility) -> Candidates:
    """The k nearest eligible collectors of every case, and the current one if eligible."""
    n, m = len(problem.cases), len(problem.collectors)
    k = min(problem.policy.neighbours, m)
    limit = problem.policy.max_distance_m
    cases, cols = [], []
    skilled = np.zeros(n, dtype=bool)
    eligible_any = np.zeros(n, dtype=bool)
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        approx, ok, eligible = eligibility.block(lo, hi)
        d = np.where(eligible, approx, np.inf)
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k] if k < m else np.tile(
            np.arange(m), (hi - lo, 1))
        rows = np.repeat(np.arange(lo, hi), nearest.shape[1])
        flat = nearest.ravel()
        keep = np.isfinite(d[rows - lo, flat])
        cur = eligibility.current[lo:hi]
        has_cur = (cur >= 0)
        cur_rows = np.arange(lo, hi)[has_cur]
        cur_ok = eligible[cur_rows - lo, cur[has_cur]]
        cases += [rows[keep], cur_rows[cur_ok]]
        cols += [flat[keep], cur[has_cur][cur_ok]]
        skilled[lo:hi] = ok.any(axis=1)
        eligible_any[lo:hi] = eligible.any(axis=1)
    case = np.concatenate(cases).astype(np.int64) if cases else np.zeros(0, np.int64)
    col = np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, np.int64)
    if case.size:
        pairs = np.unique(case * m + col)
        case, col = pairs // m, pairs % m
    distance = eligibility.road_metres(case, col)
    if limit is not None:
        inside = distance <= limit
        case, col, distance = case[inside], col[inside], distance[inside]
    case = case.astype(np.int32)
    offsets = np.searchsorted(case, np.arange(n + 1, dtype=np.int32))
    return Candidates(case, col.astype(np.int32), distance, skilled, eligible_any, offsets)
