"""Locations for customers given only by address, the same way for the command line
(``--addresses EXTRACT`` or ``--geocoder NAME``) and the HTTP service (``FIELDPLAN_ADDRESSES``
or ``FIELDPLAN_GEOCODER``): one finder, and the step that fills a request's missing locations.

Each customer located keeps how (``geocode_match``, ``geocode_note``); a customer whose address
is not found keeps ``geocode_match`` none and is left out of the plan with reason
``address_not_found`` — never dropped, and never blocking the others."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from api.schemas.common import Location, Place
from common.errors import InvalidInput
from common.geo import CoordinateSystem
from roads.addresses import Match

ADDRESSES = "FIELDPLAN_ADDRESSES"  # an OpenStreetMap extract whose address tags are looked up
GEOCODER = "FIELDPLAN_GEOCODER"  # or a geopy geocoder by name
SETTINGS = "FIELDPLAN_GEOCODER_SETTINGS"  # its settings, a JSON object
MIN_DELAY = "FIELDPLAN_GEOCODER_MIN_DELAY"  # seconds between two calls (default 1)
# Geocoders that answer in Baidu's datum rather than WGS-84.
_BD09 = {"baidu", "baiduv3"}

Find = Callable[[str], Match]


class GeocodingSetupError(InvalidInput):
    """Geocoding that cannot be set up: ``field`` names the option or variable."""


@dataclass(frozen=True)
class Geocoding:
    """Where addresses are looked up: an extract (offline) or a geopy geocoder."""

    addresses: Path | None = None
    geocoder: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    min_delay: float = 1.0

    @property
    def datum(self) -> CoordinateSystem:
        return (CoordinateSystem.BD09 if (self.geocoder or "").lower() in _BD09
                else CoordinateSystem.WGS84)


def configured() -> Geocoding | None:
    """The service's geocoding from its environment; None when it has none. Raises
    ``GeocodingSetupError`` naming the variable that is wrong."""
    addresses, geocoder = os.environ.get(ADDRESSES), os.environ.get(GEOCODER)
    if addresses and geocoder:
        raise GeocodingSetupError(ADDRESSES, f"set {ADDRESSES} or {GEOCODER}, not both")
    if addresses:
        if not Path(addresses).is_file():
            raise GeocodingSetupError(ADDRESSES, f"no such file: {addresses}")
        return Geocoding(addresses=Path(addresses))
    if not geocoder:
        return None
    try:
        settings = json.loads(os.environ.get(SETTINGS) or "{}")
        min_delay = float(os.environ.get(MIN_DELAY) or 1.0)
    except ValueError as exc:
        raise GeocodingSetupError(SETTINGS, f"not a JSON object, or {MIN_DELAY} not a "
                                            f"number: {exc}") from None
    if not isinstance(settings, dict):
        raise GeocodingSetupError(SETTINGS, "give a JSON object of the geocoder's settings")
    return Geocoding(geocoder=geocoder, settings={str(k): v for k, v in settings.items()},
                     min_delay=min_delay)


@contextmanager
def finder(geocoding: Geocoding) -> Iterator[Find]:
    """``find(address) -> Match`` in WGS-84. Raises ``roads.RoadsError`` for an extract that cannot
    be read and ``GeocodingSetupError`` for a geocoder that cannot be made."""
    if geocoding.addresses is not None:
        path = geocoding.addresses
        stat = path.stat()
        yield _matcher(path.resolve(), stat.st_mtime_ns, stat.st_size).find
        return
    from api.geocoders import GeocoderSetupError, online

    with ExitStack() as stack:
        try:
            find = stack.enter_context(online(geocoding.geocoder, geocoding.settings,
                                              geocoding.min_delay))
        except GeocoderSetupError as exc:
            raise GeocodingSetupError("geocoder", str(exc)) from None
        yield find if geocoding.datum is CoordinateSystem.WGS84 else _to_wgs84(find,
                                                                              geocoding.datum)


def _to_wgs84(find: Find, datum: CoordinateSystem) -> Find:
    """``find`` answering in WGS-84, for a geocoder that answers in another datum."""
    import numpy as np

    from common.geo import to_wgs84

    def found(address: str) -> Match:
        match = find(address)
        if match.lat is None:
            return match
        lat, lon = to_wgs84(np.array([match.lat]), np.array([match.lon]), datum)
        return Match(float(lat[0]), float(lon[0]), match.quality, match.reason)

    return found


@lru_cache(maxsize=2)
def _matcher(path: Path, mtime_ns: int, size: int):
    """The address index of an extract, read once per process (again when the file changes)
    and kept on disk (``FIELDPLAN_CACHE_DIR``): each job of the service runs in a process of
    its own, and reading a big city's extract takes far longer than loading its index."""
    import hashlib
    import zipfile

    import numpy as np

    from api.defaults import cache_dir
    from roads import addresses

    key = hashlib.sha256(f"{path}|{mtime_ns}|{size}".encode()).hexdigest()
    cached = cache_dir() / "addresses" / f"{key}.npz"
    try:
        with np.load(cached, allow_pickle=False) as data:
            known = addresses.Addresses(data["streets"], data["numbers"], data["lat"],
                                        data["lon"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        known = addresses.read(path)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(f"{key}.{os.getpid()}.partial")
            with partial.open("wb") as f:
                np.savez(f, streets=known.streets, numbers=known.numbers, lat=known.lat,
                         lon=known.lon)
            partial.replace(cached)
        except OSError:
            pass  # a cache that cannot be written costs time, never the plan
    return addresses.Matcher(known)


def unplaced(items) -> list[int]:
    """Positions of the customers (or cases) with neither a location nor a verdict on their
    address."""
    return [k for k, c in enumerate(items) if c.location is None and c.geocode_match != "none"]


def locate(request, find: Find, progress: Callable[[dict], None] = lambda update: None,
           field: str | None = None):
    """``request`` (a day plan's, an allocation's, or a re-plan's events with ``field``
    ``added``) with every customer or case that has no location located from its address:
    its location, ``geocode_match`` and ``geocode_note``. A customer's location says it is
    WGS-84; a case's is converted to the allocation's ``coordinate_system``. ``progress``
    hears how many are done after each."""
    field = field or ("cases" if hasattr(request, "cases") else "customers")
    items = getattr(request, field)
    waiting = set(unplaced(items))
    if not waiting:
        return request
    out, done = [], 0
    for k, c in enumerate(items):
        if k in waiting:
            found = find(c.address or "")
            done += 1
            progress({"addresses_located": done, "addresses": len(waiting)})
            c = c.model_copy(update={"location": _place(found, field, request),
                                     "geocode_match": found.quality,
                                     "geocode_note": found.reason or None})
        out.append(c)
    return request.model_copy(update={field: out})


def _place(found: Match, field: str, request):
    if found.lat is None:
        return None
    if field != "cases":
        return Location(lat=round(found.lat, 7), lon=round(found.lon, 7),
                        coordinate_system=CoordinateSystem.WGS84)
    import numpy as np

    from common.geo import from_wgs84

    lat, lon = from_wgs84(np.array([found.lat]), np.array([found.lon]),
                          request.coordinate_system)
    return Place(lat=round(float(lat[0]), 7), lon=round(float(lon[0]), 7))


def for_service(request, progress: Callable[[dict], None] = lambda update: None,
                field: str | None = None):
    """``request`` with its customers given by address located by the service's geocoding
    (``configured``; ``progress`` as for ``locate``); unchanged when none needs it. Raises
    ``GeocodingSetupError`` or ``roads.RoadsError`` when the service's geocoding cannot be
    used."""
    field = field or ("cases" if hasattr(request, "cases") else "customers")
    if not unplaced(getattr(request, field)):
        return request
    geocoding = configured()
    if geocoding is None:
        return request  # refused, naming the customer, when the problem is built
    with finder(geocoding) as find:
        return locate(request, find, progress, field)


def check_service(customers, field: str = "customers") -> None:
    """Refuse, on submission, customers given by address alone when the service cannot
    geocode (``InvalidInput`` naming the first)."""
    waiting = unplaced(customers)
    if not waiting:
        return
    try:
        geocoding = configured()
    except GeocodingSetupError as exc:
        raise InvalidInput(f"{field}[{waiting[0]}].location", f"no location, and this "
                           f"service's geocoding is not usable ({exc}): give lat and lon"
                           ) from None
    if geocoding is None:
        raise InvalidInput(f"{field}[{waiting[0]}].location", f"no location, and this service "
                           f"has no geocoder ({ADDRESSES} or {GEOCODER}): give lat and lon")
