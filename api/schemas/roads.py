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

from api.schemas.common import FieldError

ROADS_DIR = "FIELDPLAN_ROADS_DIR"
CACHE_DIR = "FIELDPLAN_CACHE_DIR"
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


def road_matrix(travel, lat: np.ndarray, lon: np.ndarray, names: list[str]):
    """The day's travel matrix on the network ``travel.network`` for ``travel.profile``, from
    the cache when this set of locations was timed on this network before. Raises
    ``roads.RoadsError`` naming a location too far from any road."""
    from roads import paths
    from routing.travel import custom_matrix

    network = _network(network_path(travel.network))
    key = hashlib.sha256(json.dumps([network.source, travel.profile, travel.max_snap_metres],
                                    ).encode() + np.asarray(lat, np.float64).tobytes()
                         + np.asarray(lon, np.float64).tobytes()).hexdigest()
    cached = _cache_dir() / f"{key}.npz"
    try:
        with np.load(cached) as data:
            return custom_matrix(data["seconds"], data["metres"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass  # not there (or torn): time it again
    # Every core for a big matrix (the searches are independent); one for a small one.
    processes = (os.cpu_count() or 1) if len(lat) >= PARALLEL_FROM else 1
    timed = paths.travel(network, travel.profile, lat, lon, max_metres=travel.max_snap_metres,
                         names=names, processes=processes)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{key}.{os.getpid()}.partial")
        with partial.open("wb") as f:
            np.savez(f, seconds=timed.seconds.astype(np.int32),
                     metres=timed.metres.astype(np.int32))
        partial.replace(cached)
    except OSError:
        pass  # a cache that cannot be written costs time, never the plan
    return custom_matrix(timed.seconds, timed.metres)


def _cache_dir() -> Path:
    """Where timed matrices are kept: ``FIELDPLAN_CACHE_DIR`` or ``~/.cache/fieldplan``."""
    root = os.environ.get(CACHE_DIR) or Path.home() / ".cache" / "fieldplan"
    return Path(root) / "road-matrices"


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
