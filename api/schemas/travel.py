"""How a request's travel is timed: the ``travel`` object of day-plan and week requests."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from api import defaults
from api.schemas.common import FieldError, Strict
from api.schemas.matrix import Matrix, OptionalMatrix
from common.geo import CoordinateSystem


class MatrixIn(Strict):
    """A custom travel matrix; every location must then carry ``matrix_index``."""

    durations: Matrix = Field(description="seconds")
    distances: OptionalMatrix = Field(None, description="metres")


class TravelIn(Strict):
    """How travel is estimated: ``provider`` ``geodesic`` (the default: the straight line
    times ``detour_factor`` at ``speed_kmh``), ``matrix`` (the ``matrix`` given; implied by
    one), ``roads`` (fastest paths on the road ``network`` built by ``fieldplan roads build``,
    a file in ``FIELDPLAN_ROADS_DIR``), ``osrm`` or ``valhalla`` (the routing service at
    ``FIELDPLAN_OSRM_URL`` or ``FIELDPLAN_VALHALLA_URL``); for a ``profile``: ``drive``,
    ``two_wheeler`` or ``walk``."""

    provider: Literal["geodesic", "matrix", "roads", "osrm", "valhalla"] | None = None
    speed_kmh: float = Field(defaults.SPEED_KMH, gt=0, le=200)
    detour_factor: float = Field(defaults.DETOUR_FACTOR, ge=1, le=5)
    coordinate_system: CoordinateSystem = CoordinateSystem.WGS84
    matrix: MatrixIn | None = None
    network: str | None = Field(None, max_length=200, description=(
        "roads: the network file's name in FIELDPLAN_ROADS_DIR (default: the working "
        "directory)"))
    profile: Literal["drive", "two_wheeler", "walk"] = "drive"
    max_snap_metres: float = Field(500.0, gt=0, le=50_000, description=(
        "roads: a location farther than this from any usable road is refused"))
    fallback: Literal["geodesic"] | None = Field(None, description=(
        "roads, osrm, valhalla: when the provider cannot time the day, time it on straight "
        "lines instead (the plan's travel_provider says so); by default it is an error"))
    hour: int | None = Field(None, ge=0, le=23, description=(
        "roads built with rush hours: time the whole day as at this hour of the day (default: "
        "the slowest hour the collectors' shifts cover, so that no rush hour makes a visit "
        "late)"))

    @model_validator(mode="after")
    def _one_provider(self) -> TravelIn:
        provider = self.used
        if provider != "matrix" and self.matrix is not None:
            raise FieldError("travel.matrix", f"given with the {provider} provider")
        if provider == "matrix" and self.matrix is None:
            raise FieldError("travel.matrix", "required with the matrix provider")
        if provider == "roads":
            from api.schemas.roads import network_path

            network_path(self.network)  # named, and there
        elif self.network is not None:
            raise FieldError("travel.network", f"only for the roads provider, not {provider}")
        if self.fallback is not None and provider in ("geodesic", "matrix"):
            raise FieldError("travel.fallback", f"the {provider} provider has none")
        if self.hour is not None and provider != "roads":
            raise FieldError("travel.hour", f"only for the roads provider, not {provider}")
        return self

    @property
    def used(self) -> str:
        """The provider that times the day."""
        return self.provider or ("matrix" if self.matrix is not None else "geodesic")
