"""Travel-time and distance matrices.

By default the road distance is the geodesic distance times a detour factor, driven at an average
speed. A matrix from a road-network service can be supplied instead (:func:`custom_matrix`).
Matrices are int32, computed in row blocks so that thousands of points stay within memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.geo import geodesic_metres
from routing.exceptions import InvalidProblem
from routing.problem import TravelMatrix

DEFAULT_SPEED_KMH = 25.0
DEFAULT_DETOUR_FACTOR = 1.3
_BLOCK_ROWS = 512


def geodesic_matrix(
    lat: Sequence[float] | np.ndarray,
    lon: Sequence[float] | np.ndarray,
    *,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> TravelMatrix:
    """Durations (s) and distances (m) between WGS-84 points, rounded to integers."""
    if not speed_kmh > 0:
        raise InvalidProblem("travel.speed_kmh", "must be positive")
    if not detour_factor >= 1:
        raise InvalidProblem("travel.detour_factor", "must be at least 1")
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    n = lat.shape[0]
    distances = np.empty((n, n), dtype=np.int32)
    durations = np.empty((n, n), dtype=np.int32)
    metres_per_second = speed_kmh / 3.6
    # Distances are symmetric: each block of rows is computed right of the diagonal only and
    # mirrored below it.
    for lo in range(0, n, _BLOCK_ROWS):
        hi = min(n, lo + _BLOCK_ROWS)
        road = geodesic_metres(lat[lo:hi, None], lon[lo:hi, None], lat[None, lo:], lon[None, lo:])
        road *= detour_factor
        metres = np.rint(road).astype(np.int32)
        seconds = np.rint(road / metres_per_second).astype(np.int32)
        distances[lo:hi, lo:] = metres
        distances[lo:, lo:hi] = metres.T
        durations[lo:hi, lo:] = seconds
        durations[lo:, lo:hi] = seconds.T
    return TravelMatrix(durations=durations, distances=distances)


def custom_matrix(durations, distances=None) -> TravelMatrix:
    """A matrix supplied by the caller (e.g. a road-network service), checked and made integer."""
    dur = int_matrix("travel.matrix.durations", durations)
    dist = dur * 0 if distances is None else int_matrix("travel.matrix.distances", distances)
    return TravelMatrix(durations=dur, distances=dist)


def int_matrix(field: str, values) -> np.ndarray:
    """``values`` (rows of numbers, or an array) as a square int32 matrix of non-negative
    seconds or metres, rounded; an int32 array is kept as it is, not copied. Raises
    ``InvalidProblem`` naming ``field``."""
    if isinstance(values, np.ndarray) and values.dtype == np.int32:
        matrix = values
    else:
        try:
            matrix = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidProblem(field, "must be square: a list of rows of numbers, every row "
                                        "as long as there are rows") from exc
        if not np.isfinite(matrix).all():
            raise InvalidProblem(field, "must hold finite numbers")
        if matrix.size and matrix.max() > np.iinfo(np.int32).max:
            raise InvalidProblem(field, "holds values too large (more than 2^31)")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise InvalidProblem(field, "must be square, got "
                                    + (" x ".join(map(str, matrix.shape)) or "a number"))
    if (matrix < 0).any():
        raise InvalidProblem(field, "must not hold negative values")
    return matrix if matrix is values else np.rint(matrix).astype(np.int32)
