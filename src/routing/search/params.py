"""Every tuning value of the day-plan search, in one frozen object.

Each field says in one line why it has its value; the measurements that chose them are in
``docs/search.md`` and ``benchmarks/RESULTS.md``. A search takes a :class:`SearchParams` as an
argument (default: :data:`DEFAULT`), so a benchmark or a test can try another value without
touching module globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class SearchParams:
    """Tuning of the whole search: the time split, the ruin, the annealing, the re-planning."""

    # The time split (routing.solve).
    search_share: float = 0.97  # the rest of the limit is for the final checks and the report
    fill_reserve: float = 1.2  # the search ends this many greedy fills before its share is up
    whole_model_share: float = 0.2  # of the search time, for the whole day as one OR-Tools model
    max_search_pairs: int = 40_000  # (customer, collector) pairs above which no whole model pays
    two_starts_pairs: int = 1_000  # up to this many pairs the whole model runs from two starts
    steps_per_work: int = 10  # ruin-and-recreate steps per unit of options.work_limit
    # The ruin (SISR, Christiaens and Vanden Berghe 2020).
    average_removed: int = 10  # SISR's mean number of customers taken out per step
    max_string: int = 10  # SISR's longest string of consecutive visits taken out
    max_string_ties: int = 20  # longer strings where travel only breaks ties scored higher
    split_share: float = 0.5  # SISR: half of the strings keep a run of visits in their middle
    split_stop: float = 0.01  # SISR: the chance that the kept run ends at each further visit
    blink: float = 0.01  # SISR: the chance that a feasible place is skipped in the recreate
    neighbours: int = 100  # nearest customers kept per customer for choosing what to ruin
    # The annealing (temperatures in multiples of the day's scale, see anneal.phases).
    t_start: float = 3.0  # first temperature, times the nearest-neighbour arc's cost
    t_end: float = 0.1  # last temperature, times the same
    value_temperature: float = 0.1  # at least this share of an optional customer's median value
    polish_share: float = 0.2  # last share of the time anneals again at the scale of travel
    value_temperature_ties: float = 0.3  # hotter where travel only breaks ties
    rounds_ties: int = 8  # where travel only breaks ties: rounds from the best plan, hot to cold
    t_start_ties: float = 6.0  # each such round starts hot enough to take a plan apart
    t_warm_ties: float = 1.5  # every second round only warm, to leave a plan the others reach
    t_end_ties: float = 0.3  # and ends cold enough that a plan settles
    # The exact re-planning of a stretch of a route (where travel only breaks ties).
    segment_share: float = 0.4  # share of the steps that re-plan a stretch instead of a ruin
    segment_trade_share: float = 0.5  # share of re-plannings that trade value for time
    segment_size: int = 12  # customers in one re-planning (the stretch's and left-out ones)
    segment_free: int = 3  # places of those kept for left-out customers
    segment_depth: int = 15  # left-out customers are drawn from this many nearest
    segment_states: int = 20_000  # a re-planning that explores more partial paths is dropped
    chunk: int = 200  # steps between two looks at the clock


DEFAULT = SearchParams()


class Moves(NamedTuple):
    """The scalars the compiled steps read: how a step moves (from the day and the
    :class:`SearchParams`)."""

    by_time: int  # insertions measured by the time they take (travel and waiting), not travel
    one_window: int  # every customer has one window (latest arrivals then decide a fit)
    max_string: int
    segment_size: int  # 0: no segment re-planning
    average_removed: int
    split_share: float
    split_stop: float
    blink: float
    segment_share: float
    segment_trade_share: float
    segment_free: int
    segment_depth: int
    segment_states: int


class Terms(NamedTuple):
    """The objective in the compiled steps' integers (value units x 3600 per second of travel
    cost)."""

    travel_cost: int  # per second of driving
    preferred_bonus: int  # a visit by the preferred collector
    balance_cost: int  # per visit of the busiest route
    miss_cost: int  # a mandatory customer left out: more than any plan is worth
