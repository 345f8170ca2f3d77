"""Building blocks shared by the request and response schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from common.geo import CoordinateSystem

MONEY_SCALE = 100  # the engines count money in integer cents


def cents(amount: float) -> int:
    """An amount of money in the engines' integer cents."""
    return int(round(amount * MONEY_SCALE))


GeocodeMatch = Literal["exact", "street", "service", "kept", "none"]
"""How an address became a location (``fieldplan geocode`` and geocoding on submission)."""
ADDRESS_NOT_FOUND = "address_not_found"


@dataclass(frozen=True)
class Unlocated:
    """A customer (or case) left out because their address could not be geocoded, and why."""

    customer: str
    mandatory: bool
    note: str

    @property
    def explanation(self) -> str:
        return f"The address could not be geocoded: {self.note.rstrip('.')}."


def placed(request, field: str, refuse: type[Exception] | None):
    """``request`` with only those of its ``field`` (customers or cases) that have a location,
    and those whose address was not found (mandatory too when a promise falls due in a week).
    One with an address still to locate is refused with ``refuse`` naming it, or (None: a
    check on submission, before locating) simply left unchecked."""
    items = getattr(request, field)
    if all(c.location is not None for c in items):
        return request, ()
    unlocated = []
    for k, c in enumerate(items):
        if c.location is not None:
            continue
        if c.geocode_match == "none":
            due = c.mandatory or getattr(c, "due_on", None) is not None
            unlocated.append(Unlocated(c.id, due, c.geocode_note or "the address was not found"))
        elif refuse is not None:
            raise refuse(f"{field}[{k}].location", f"no location, and the address {c.address!r} "
                         "was not located: give --addresses or --geocoder (the service: "
                         "FIELDPLAN_ADDRESSES or FIELDPLAN_GEOCODER)")
    located = [c for c in items if c.location is not None]
    return request.model_copy(update={field: located}), tuple(unlocated)


class FieldError(ValueError):
    """A cross-field check that failed; ``field`` is the path of the offending value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Strict(BaseModel):
    """Base of every request schema: unknown fields are an error, NaN and infinity are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


def _zone(name: str) -> str:
    try:
        if len(name) > 64:  # no IANA name is near as long; the file system would refuse it
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name[:64]!r} (use an IANA name such as "
                         f"'Asia/Shanghai' or 'America/New_York')") from exc
    return name


# Upper bounds of numbers in requests: far above any real portfolio, low enough that the
# engines' integer arithmetic cannot overflow.
MAX_MONEY = 1e12
MAX_HOURS = 1e5
MAX_COUNT = 10_000_000
MAX_SEED = 2**31 - 1

TimeZoneName = Annotated[str, AfterValidator(_zone)]


def _written_time(value):
    if not (isinstance(value, datetime)
            or isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("give a time as ISO 8601 with its offset, e.g. "
                         "2026-12-01T09:00:00+08:00")
    return value


# A time written out with its offset: a bare number (which the validator would otherwise read
# as seconds since 1970) is refused.
Instant = Annotated[AwareDatetime, BeforeValidator(_written_time)]
Id = Annotated[str, Field(min_length=1, max_length=128)]


class Place(Strict):
    """A point on the map: latitude and longitude in degrees."""

    lat: float = Field(ge=-90, le=90, description="latitude, degrees")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees")


class Location(Place):
    """A point on the map. ``matrix_index`` is its row in a custom travel matrix."""

    coordinate_system: CoordinateSystem | None = Field(
        None, description="datum of these coordinates; default: the request's travel setting")
    matrix_index: int | None = Field(None, ge=0, description="row of a custom matrix")


class Window(Strict):
    """A time interval; both ends carry a UTC offset."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def seconds_between(origin: datetime, moment: datetime) -> int:
    """Whole seconds from ``origin`` to ``moment``."""
    return int((moment - origin).total_seconds())


class ErrorItem(BaseModel):
    """One thing wrong with a request."""

    field: str = Field(description="where: a path into the body such as customers[3].value, "
                                   "or 'header: ...', 'query: ...'")
    reason: str


class ErrorOut(BaseModel):
    """The body of every error response."""

    detail: str
    errors: list[ErrorItem] = Field(description="each field at fault and why (may be empty)")
