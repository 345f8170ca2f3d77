"""The ``roads`` travel provider: a day's locations timed on a road network built by
``fieldplan roads build``. Networks are files in ``FIELDPLAN_ROADS_DIR`` (default: the working
directory), named by the request; each is read once per process (again when it changes).
Timed matrices are kept on disk (``FIELDPLAN_CACHE_DIR``), keyed by the network's extract, the
profile and the locations: a changed extract is a new key."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from api import defaults
from api.schemas.common import FieldError
from common.errors import InvalidInput
from roads.errors import RoadsError

ROADS_DIR = "FIELDPLAN_ROADS_DIR"
# Locations from which a matrix is timed on every core.
PARALLEL_FROM = 400


def network_path(name: str | None) -> Path:
    """The file of a network named in a request. Raises ``FieldError`` for no name, a name
    that leaves the folder, or no such file."""
    if not name:
        raise FieldError("travel.network", "required with the roads provider: the name of a "
                                           "network built by fieldplan roads build")
    if name != Path(name).name or name.startswith("."):
        raise FieldError("travel.network", "a file name in FIELDPLAN_ROADS_DIR, without a "
                                           "folder")
    path = Path(os.environ.get(ROADS_DIR) or ".") / name
    if not path.is_file():
        raise FieldError("travel.network", f"no network {name!r} in "
                                           f"{path.parent.resolve()} (FIELDPLAN_ROADS_DIR); "
                                           "build one with fieldplan roads build")
    return path


def provider_matrix(travel, lat: np.ndarray, lon: np.ndarray, names: list[str],
                    hours: set[int] = frozenset()):
    """The day's travel matrix from ``travel``'s provider (roads, osrm or valhalla), what
    timed it when that is not simply the provider asked for (``""``), and on roads how far
    each location is from the road it was snapped to (metres; else None). A network's rush hours
    slow the whole day to its slowest hour among ``hours`` (the shifts' hours) or
    ``travel.hour``; with ``fallback`` geodesic, a provider that cannot time the day gives way
    to straight lines, saying why."""
    from routing.travel import custom_matrix, geodesic_matrix

    try:
        seconds, metres, snaps = _timed(travel, lat, lon, names)
        note = ""
        if travel.used == "roads":
            rush = _network(network_path(travel.network)).rush
            factor, hour = rush.slowest(travel.profile,
                                        hours if travel.hour is None else {travel.hour})
            if factor < 1:
                seconds = np.rint(seconds / factor).astype(np.int32)
                why = "travel.hour" if travel.hour is not None else "the shifts' slowest hour"
                note = (f"roads ({travel.profile}, {travel.network}; the whole day at {factor:g} "
                        f"of free-flow speed: the rush hour {hour:02d}:00, {why})")
        return custom_matrix(seconds, metres), note, snaps
    except InvalidInput as exc:
        if travel.fallback != "geodesic" or isinstance(exc, RoadsError) and exc.field != (
                "network"):
            raise
        return (geodesic_matrix(lat, lon, speed_kmh=travel.speed_kmh,
                                detour_factor=travel.detour_factor),
                f"geodesic (fallback: {travel.used} could not time the day: {exc.reason})",
                None)


def _timed(travel, lat: np.ndarray, lon: np.ndarray, names: list[str]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The provider's seconds and metres (free-flow) and, on roads, each location's metres to
    its road; from the cache when these locations were timed by it before."""
    from roads import paths

    if travel.used == "roads":
        network = _network(network_path(travel.network))
        source = [network.source, travel.max_snap_metres]
    else:
        from api.schemas.travel_services import service_url

        source = [service_url(travel.used)]
    key = hashlib.sha256(json.dumps([travel.used, travel.profile, *source]).encode()
                         + np.asarray(lat, np.float64).tobytes()
                         + np.asarray(lon, np.float64).tobytes()).hexdigest()
    cached = defaults.cache_dir() / "road-matrices" / f"{key}.npz"
    try:
        with np.load(cached) as data:
            return (data["seconds"], data["metres"],
                    data["snaps"] if travel.used == "roads" else None)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass  # not there (or torn): time it again
    if travel.used == "roads":
        # Every core for a big matrix (the searches are independent); one for a small one.
        processes = (os.cpu_count() or 1) if len(lat) >= PARALLEL_FROM else 1
        timed = paths.travel(network, travel.profile, lat, lon,
                             max_metres=travel.max_snap_metres, names=names,
                             processes=processes)
        seconds, metres, snaps = timed.seconds, timed.metres, timed.snapped.metres
    else:
        from api.schemas.travel_services import service_matrix

        (seconds, metres), snaps = service_matrix(travel.used, travel.profile, lat, lon), None
    seconds, metres = np.rint(seconds).astype(np.int32), np.rint(metres).astype(np.int32)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{key}.{os.getpid()}.partial")
        with partial.open("wb") as f:
            np.savez(f, seconds=seconds, metres=metres,
                     **({} if snaps is None else {"snaps": snaps}))
        partial.replace(cached)
    except OSError:
        pass  # a cache that cannot be written costs time, never the plan
    return seconds, metres, snaps


def check_snaps(travel, lat: np.ndarray, lon: np.ndarray, names: list[str]) -> None:
    """Refuse a location too far from the network's roads (cheap: no paths are computed)."""
    from roads import paths

    paths.snap(_network(network_path(travel.network)), travel.profile, lat, lon,
               max_metres=travel.max_snap_metres, names=names)


def _network(path: Path):
    stat = path.stat()
    return _load(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, size: int):
    from roads import network

    return network.load(path)
