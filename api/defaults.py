"""What a request means where it says nothing: the same defaults on every path (a JSON request
to ``fieldplan plan`` or the HTTP service, the cases and collectors tables of ``fieldplan plan
--customers`` and ``fieldplan nightly``).

One difference is by design: a JSON collector states its shift (it is required) and has no lunch
break unless it gives one, while a row of the collectors table may leave the shift and the break
empty and then works the office day below. A table row with a shift too short for the default
break (one that does not hold 11:30-13:30) gets no break.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path

# A home visit: the walk to the door, the talk and the notes, in seconds.
SERVICE_SECONDS = 15 * 60

# The office day of a collectors-table row without shift columns.
SHIFT = (time(9), time(18))

# A collectors-table row's lunch: 45 minutes, taken whole between 11:30 and 13:30.
LUNCH = (time(11, 30), time(13, 30))
LUNCH_MINUTES = 45

# A customer without time windows may be visited at any time of the day, in seconds from the
# day's first shift start; the legal visiting hours still apply. The span reaches a day to
# either side so that time zones west or east of the request's own are covered.
ANY_TIME = (-86_400, 3 * 86_400)

# Travel, for the allocation and the day plan alike: 25 km/h on straight lines stretched by a
# third for the streets, at a cost of 30 (in the lender's currency) per hour of driving.
SPEED_KMH = 25.0
DETOUR_FACTOR = 1.3
TRAVEL_COST_PER_HOUR = 30.0

# Re-planning a day that has begun: a visit moves to another collector, or is dropped, only if
# that gains more than this (money; 60 is two hours of driving at the cost above; at 20 a
# re-plan at 11:00 moved a seventh as many visits as planning afresh, at 60 a twelfth, keeping
# 99.8% of the value: benchmarks/RESULTS.md), and a visit
# whose start moves by more than this many minutes is listed as re-timed (worth a phone call).
MOVE_THRESHOLD = 60.0
RETIME_MINUTES = 15

# The map pages' tiles: the public OpenStreetMap server (README: what a tile server learns).
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = "&copy; OpenStreetMap contributors"


def cache_dir() -> Path:
    """Where timed matrices and geocoders' answers are kept: ``FIELDPLAN_CACHE_DIR`` or
    ``~/.cache/fieldplan``."""
    return Path(os.environ.get("FIELDPLAN_CACHE_DIR") or Path.home() / ".cache" / "fieldplan")
