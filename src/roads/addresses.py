"""Addresses to coordinates without a service: the address tags of an OpenStreetMap extract
(``addr:street`` and ``addr:housenumber`` on nodes and buildings) as an index, and a matcher
that finds a street of the index in a written address ("上海市黄浦区南京东路100号",
"Mannerheimintie 5, Helsinki") and the house number after it.

A match is ``exact`` (the street and its number), ``street`` (the street, not the number: the
middle of the street's addresses) or none, with the reason."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roads.errors import RoadsError

# A house number: digits, and a letter standing alone after them ("12a", "12 A"), not the
# first letter of the next word.
_NUMBER = re.compile(r"\d+(?:\s?[a-z](?![a-z]))?")


@dataclass(frozen=True, eq=False)
class Addresses:
    """Known addresses: street (normalised), house number (normalised), point."""

    streets: np.ndarray
    numbers: np.ndarray
    lat: np.ndarray
    lon: np.ndarray


@dataclass(frozen=True)
class Match:
    lat: float | None
    lon: float | None
    quality: str  # "exact", "street" or "none"
    reason: str = ""


def normal(text: str) -> str:
    """Lower case, full-width forms folded (１００号 is 100号), punctuation and runs of spaces
    made one space (so that a house number and a postcode stay apart)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def _number(text: str) -> str:
    return text.replace(" ", "")


def read(path: Path) -> Addresses:
    """The addresses of an extract: nodes with both tags, and ways (buildings) with both tags
    at the mean of their nodes. Raises ``RoadsError`` for a file that is not an extract."""
    import osmium

    streets, numbers, lat, lon = [], [], [], []
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations().with_filter(
                osmium.filter.KeyFilter("addr:housenumber")):
            street, number = obj.tags.get("addr:street"), obj.tags.get("addr:housenumber")
            if not street or not number:
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                point = (obj.location.lat, obj.location.lon)
            elif obj.is_way():
                found = [(n.location.lat, n.location.lon) for n in obj.nodes
                         if n.location.valid()]
                if not found:
                    continue
                point = tuple(np.mean(found, axis=0))
            else:
                continue
            streets.append(normal(street))
            numbers.append(_number(normal(number)))
            lat.append(point[0])
            lon.append(point[1])
    except (RuntimeError, OSError) as exc:
        raise RoadsError("extract", f"{path} is not an OpenStreetMap extract that can be "
                                    f"read ({exc})") from None
    return Addresses(np.array(streets, dtype=str), np.array(numbers, dtype=str),
                     np.array(lat, dtype=float), np.array(lon, dtype=float))


class Matcher:
    """Finds written addresses among the known ones."""

    def __init__(self, known: Addresses) -> None:
        self._exact: dict[tuple[str, str], tuple[float, float]] = {}
        points: dict[str, list[tuple[float, float]]] = {}
        for street, number, la, lo in zip(known.streets.tolist(), known.numbers.tolist(),
                                          known.lat.tolist(), known.lon.tolist()):
            self._exact.setdefault((street, number), (la, lo))
            points.setdefault(street, []).append((la, lo))
        self._middle = {s: tuple(np.median(np.array(p), axis=0)) for s, p in points.items()}
        # Longest first: "南京东路" is found before "南京路" could match inside it.
        self._streets = sorted(points, key=len, reverse=True)

    def find(self, address: str) -> Match:
        text = normal(address or "")
        if not text:
            return Match(None, None, "none", "no address given")
        street = next((s for s in self._streets if s and s in text), None)
        if street is None:
            return Match(None, None, "none", "no known street in the address")
        after = text[text.index(street) + len(street):]
        before = text[:text.index(street)]
        for candidates in (_NUMBER.findall(after), _NUMBER.findall(before)[::-1]):
            for number in map(_number, candidates):
                if (street, number) in self._exact:
                    la, lo = self._exact[(street, number)]
                    return Match(la, lo, "exact")
        la, lo = map(float, self._middle[street])
        return Match(la, lo, "street", "the house number is not known on that street: the "
                                       "middle of the street")
