"""The ``roads`` travel provider: a day's locations timed on a road network built by
``fieldplan roads build``. Networks are files in ``FIELDPLAN_ROADS_DIR`` (default: the working
directory), named by the request; each is read once per process (again when it changes)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from api.schemas.common import FieldError

ROADS_DIR = "FIELDPLAN_ROADS_DIR"


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
    """The day's travel matrix on the network ``travel.network`` for ``travel.profile``.
    Raises ``roads.RoadsError`` naming a location too far from any road."""
    from roads import paths
    from routing.travel import custom_matrix

    network = _network(network_path(travel.network))
    timed = paths.travel(network, travel.profile, lat, lon, max_metres=travel.max_snap_metres,
                         names=names)
    return custom_matrix(timed.seconds, timed.metres)


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
