"""Distances and datums: the vectorised matrices agree with geopy; Chinese datums line up."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic

from common.geo import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geodesic_metres,
    to_wgs84,
    wgs84_to_gcj02,
)
from routing.travel import geodesic_matrix


def test_geodesic_matrix_agrees_with_geopy_within_half_a_percent():
    """City, country and continental distances, at several latitudes."""
    rng = np.random.default_rng(3)
    lat = np.concatenate([31.2 + rng.normal(0, 0.1, 40), rng.uniform(-60, 70, 40)])
    lon = np.concatenate([121.4 + rng.normal(0, 0.1, 40), rng.uniform(-180, 180, 40)])
    matrix = geodesic_matrix(lat, lon, speed_kmh=36, detour_factor=1.0)
    assert matrix.distances.dtype == np.int32
    for i in range(0, 80, 3):
        for j in range(1, 80, 7):
            reference = geodesic((lat[i], lon[i]), (lat[j], lon[j])).meters
            assert abs(matrix.distances[i, j] - reference) <= max(1.0, 0.005 * reference)
            assert abs(matrix.durations[i, j] - reference / 10) <= max(1.0, 0.005 * reference / 10)


def test_lambert_distance_is_much_closer_than_half_a_percent_in_a_city():
    """Across Shanghai the error is below a metre."""
    d = geodesic_metres(31.10, 121.30, 31.35, 121.65)
    assert abs(d - geodesic((31.10, 121.30), (31.35, 121.65)).meters) < 1.0


def test_gcj02_round_trip_is_below_a_centimetre():
    lat, lon = np.array([39.9087, 31.2304, 22.5431]), np.array([116.3975, 121.4737, 114.0579])
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    metres = geodesic_metres(lat, lon, *back)
    assert (metres < 0.01).all()


def test_gcj02_shifts_beijing_by_a_few_hundred_metres_and_leaves_paris_alone():
    glat, glon = wgs84_to_gcj02(39.9087, 116.3975)
    shift = geodesic_metres(39.9087, 116.3975, glat, glon)
    assert 100 < shift < 700
    assert wgs84_to_gcj02(48.8566, 2.3522) == (pytest.approx(48.8566), pytest.approx(2.3522))


def test_bd09_round_trip_and_conversion_to_wgs84():
    lat, lon = 31.2304, 121.4737
    g = wgs84_to_gcj02(lat, lon)
    b = gcj02_to_bd09(*g)
    assert np.allclose(bd09_to_gcj02(*b), g, atol=1e-6)
    w = to_wgs84(*b, "bd09")
    assert geodesic_metres(lat, lon, *w) < 1.0


def test_from_wgs84_undoes_to_wgs84_in_every_datum():
    import numpy as np

    from common.geo import CoordinateSystem, from_wgs84, to_wgs84

    lat, lon = np.array([31.2304, 39.9042, 48.8566]), np.array([121.4737, 116.4074, 2.3522])
    for system in CoordinateSystem:
        back = to_wgs84(*from_wgs84(lat, lon, system), system)
        assert np.abs(back[0] - lat).max() < 1e-5 and np.abs(back[1] - lon).max() < 1e-5  # ~1 m
    shifted = from_wgs84(lat[:1], lon[:1], "gcj02")
    assert abs(shifted[0][0] - lat[0]) > 1e-4  # a few hundred metres in Shanghai
