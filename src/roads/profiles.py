"""How fast each kind of collector moves on each class of road (OSM ``highway=*``), and which
roads they may use and in which direction. One place for every speed.

- ``drive``: a car. Speeds are what a car averages in a Chinese city, lights and traffic
  included, not the limits; a tagged ``maxspeed`` lowers a class's speed, never raises it.
  One-way streets are kept; private and closed roads are not used.
- ``two_wheeler``: an electric bicycle or scooter (电动车), the usual vehicle of a field
  collector: 18 km/h on roads and cycle tracks, pushed at walking pace on footways; not on
  motorways or trunk roads; one-way streets kept unless tagged open to bicycles.
- ``walk``: 4.5 km/h anywhere a person may walk, in either direction.
"""

from __future__ import annotations

DRIVE_KMH = {
    "motorway": 70, "motorway_link": 40, "trunk": 55, "trunk_link": 35,
    "primary": 35, "primary_link": 25, "secondary": 30, "secondary_link": 22,
    "tertiary": 25, "tertiary_link": 20, "unclassified": 22, "residential": 20,
    "living_street": 10, "service": 12, "road": 20,
}
TWO_WHEELER_KMH = 18.0
PUSHED_KMH = 4.5
WALK_KMH = 4.5
# Roads an electric two-wheeler rides on (and those it is pushed along).
TWO_WHEELER_RIDES = set(DRIVE_KMH) - {"motorway", "motorway_link", "trunk", "trunk_link"} | {
    "cycleway", "track"}
TWO_WHEELER_PUSHED = {"footway", "pedestrian", "path", "bridleway"}
# Ways a person walks on (steps too); not motorways and trunk roads.
WALKS = TWO_WHEELER_RIDES | TWO_WHEELER_PUSHED | {"steps", "corridor"}

PROFILES = ("drive", "two_wheeler", "walk")
# Who moves in each profile, in words.
WHO = {"drive": "a car", "two_wheeler": "a two-wheeler", "walk": "a person on foot"}
# From a location to its road and back, a collector walks.
SNAP_KMH = WALK_KMH

_CLOSED = {"no", "private"}


def speed_kmh(profile: str, tags: dict[str, str]) -> float | None:
    """The speed on a way with these tags, or None if this profile does not use it."""
    highway = tags.get("highway", "")
    if tags.get("area") == "yes":
        return None
    if profile == "drive":
        if highway not in DRIVE_KMH or tags.get("access") in _CLOSED or tags.get(
                "motor_vehicle") in _CLOSED or tags.get("motorcar") in _CLOSED:
            return None
        limit = maxspeed_kmh(tags.get("maxspeed"))
        return min(DRIVE_KMH[highway], limit) if limit else DRIVE_KMH[highway]
    if profile == "two_wheeler":
        if tags.get("access") in _CLOSED and tags.get("bicycle") not in ("yes", "designated"):
            return None
        if highway in TWO_WHEELER_RIDES or tags.get("bicycle") in ("yes", "designated"):
            return TWO_WHEELER_KMH
        return PUSHED_KMH if highway in TWO_WHEELER_PUSHED else None
    if profile == "walk":
        if tags.get("foot") == "no" or (tags.get("access") in _CLOSED
                                       and tags.get("foot") not in ("yes", "designated")):
            return None
        return WALK_KMH if highway in WALKS else None
    raise ValueError(f"unknown profile {profile!r}")


def direction(profile: str, tags: dict[str, str]) -> int:
    """1: only along the way's node order; -1: only against it; 0: both ways."""
    if profile == "walk":
        return 0
    if profile == "two_wheeler" and (tags.get("oneway:bicycle") == "no"
                                     or tags.get("cycleway") == "opposite"):
        return 0
    if profile == "two_wheeler" and tags.get("highway") in TWO_WHEELER_PUSHED:
        return 0
    oneway = tags.get("oneway", "")
    if oneway in ("yes", "true", "1"):
        return 1
    if oneway in ("-1", "reverse"):
        return -1
    if oneway == "no":
        return 0
    implied = tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in (
        "motorway", "motorway_link")
    return 1 if implied else 0


def maxspeed_kmh(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h ("50", "30 mph"); None when absent or not a number."""
    if not value:
        return None
    number, _, unit = value.strip().partition(" ")
    try:
        speed = float(number)
    except ValueError:
        return None
    if speed <= 0:
        return None
    return speed * 1.609344 if unit.strip() == "mph" else speed
