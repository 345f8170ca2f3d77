"""A built road network and its file (``CITY.roads``, a NumPy archive): the nodes, each
profile's directed edges, and the digest of the extract it was built from."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from roads import osm, profiles
from roads.errors import RoadsError
from roads.rush import RushHours

FORMAT = 1


@dataclass(frozen=True, eq=False)
class Edges:
    """One profile's directed edges: tail and head node, length (metres), time (seconds)."""

    tails: np.ndarray
    heads: np.ndarray
    metres: np.ndarray
    seconds: np.ndarray


@dataclass(frozen=True, eq=False)
class Network:
    """Road nodes (WGS-84) and, per profile, the edges between them."""

    lat: np.ndarray
    lon: np.ndarray
    edges: dict[str, Edges]
    source: str  # the extract's SHA-256
    rush: RushHours = field(default_factory=RushHours.none)

    def profile(self, name: str) -> Edges:
        if name not in self.edges:
            raise RoadsError("profile", f"must be one of {', '.join(self.edges)}")
        return self.edges[name]


def build(extract: Path, rush: RushHours | None = None) -> Network:
    """The network of an ``.osm.pbf`` extract, slowed by ``rush`` hours if given. Raises
    ``RoadsError``."""
    if not extract.is_file():
        raise RoadsError("extract", f"{extract} is not a file")
    lat, lon, found = osm.read(extract)
    return Network(lat, lon, {p: Edges(*found[p]) for p in profiles.PROFILES}, digest(extract),
                   rush or RushHours.none())


def digest(path: Path) -> str:
    """The SHA-256 of a file (an extract changes: its networks and matrices are rebuilt)."""
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def save(network: Network, path: Path) -> None:
    """Write the network to ``path`` (a NumPy archive, whatever its name)."""
    arrays = {"format": np.array(FORMAT), "source": np.array(network.source),
              "lat": network.lat, "lon": network.lon, "rush.factors": network.rush.factors,
              "rush.profiles": np.array(network.rush.profiles, dtype=str)}
    for name, edges in network.edges.items():
        for part in ("tails", "heads", "metres", "seconds"):
            arrays[f"{name}.{part}"] = getattr(edges, part)
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)


def load(path: Path) -> Network:
    """Read a network file written by ``save``. Raises ``RoadsError`` for anything else."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT:
                raise RoadsError("network", f"{path} was built by another version: build it "
                                            "again from its extract (fieldplan roads build)")
            edges = {p: Edges(*(data[f"{p}.{part}"] for part in
                                ("tails", "heads", "metres", "seconds")))
                     for p in profiles.PROFILES}
            rush = (RushHours(data["rush.factors"], tuple(data["rush.profiles"].tolist()))
                    if "rush.factors" in data.files else RushHours.none())  # built before them
            return Network(data["lat"], data["lon"], edges, str(data["source"]), rush)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise RoadsError("network", f"{path} is not a road network built by fieldplan roads "
                                    f"build ({exc})") from None
