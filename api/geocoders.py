"""Online geocoding through geopy: any of its geocoders by name (``nominatim``, ``baidu``,
``google``, ...) with its settings, called no faster than the service allows (geopy's
``RateLimiter``), every answer kept in a cache on disk (``FIELDPLAN_CACHE_DIR``) so that an
address is asked once. A service over its quota stops the run: what is found is kept, the
rest are listed with that reason, and a rerun continues from the cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from api.defaults import cache_dir
from roads.addresses import Match

QUOTA = "the geocoder's quota is used up: run again later (what was found is kept)"


class GeocoderSetupError(ValueError):
    """A geocoder that cannot be made: unknown name or settings it refuses."""


@contextmanager
def online(name: str, settings: dict[str, str], min_delay_seconds: float = 1.0,
           retries: int = 2) -> Iterator:
    """A ``find(address) -> Match`` over the geopy geocoder ``name``; see the module."""
    from geopy.exc import GeocoderQuotaExceeded, GeopyError
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    try:
        geocoder = get_geocoder_for_service(name)(**settings)
    except (TypeError, ValueError, GeopyError) as exc:
        raise GeocoderSetupError(f"{name}: {exc}") from None
    ask = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_seconds,
                      max_retries=retries, error_wait_seconds=min_delay_seconds + 1,
                      swallow_exceptions=False)
    path = cache_dir() / "geocode.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    cache = sqlite3.connect(path)
    cache.execute("create table if not exists answers (geocoder text, address text, lat real, "
                  "lon real, primary key (geocoder, address))")
    over_quota = False

    def find(address: str) -> Match:
        nonlocal over_quota
        text = " ".join((address or "").split())
        if not text:
            return Match(None, None, "none", "no address given")
        kept = cache.execute("select lat, lon from answers where geocoder = ? and address = ?",
                             (name, text)).fetchone()
        if kept is not None:
            return _match(*kept)
        if over_quota:
            return Match(None, None, "none", QUOTA)
        try:
            found = ask(text)
        except GeocoderQuotaExceeded:
            over_quota = True
            return Match(None, None, "none", QUOTA)
        except GeopyError as exc:
            return Match(None, None, "none", f"the geocoder failed: {type(exc).__name__}: "
                                             f"{exc}")
        point = (None, None) if found is None else (found.latitude, found.longitude)
        with cache:
            cache.execute("insert or replace into answers values (?, ?, ?, ?)",
                          (name, text, *point))
        return _match(*point)

    try:
        yield find
    finally:
        cache.close()


def _match(lat: float | None, lon: float | None) -> Match:
    if lat is None:
        return Match(None, None, "none", "the geocoder does not know the address")
    return Match(float(lat), float(lon), "service")
