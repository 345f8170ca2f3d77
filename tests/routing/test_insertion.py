"""The post-search pass: left-out customers that fit are added, mandatory ones make room."""

from __future__ import annotations

import numpy as np

from routing import Collector, Customer, Problem, TimeWindow, TravelMatrix
from routing.insertion import Inserter
from routing.prepare import prepare
from routing.solution import Reason

DAY = (TimeWindow(0, 36000),)


def _problem(customers, max_visits=None):
    line = np.array([[abs(i - j) * 600 for j in range(4)] for i in range(4)], dtype=np.int32)
    collectors = (Collector("A", 0, 0, 0, 36000, max_visits=max_visits),)
    return Problem(collectors, tuple(customers), TravelMatrix(line, line))


def _fill(problem, routes):
    return Inserter(prepare(problem), routes).fill()


def test_a_customer_who_fits_profitably_is_added():
    problem = _problem([Customer("a", 1, 100, 600, DAY), Customer("b", 2, 100, 600, DAY)])
    routes = [[0]]
    assert _fill(problem, routes) == {}
    assert sorted(routes[0]) == [0, 1]


def test_a_mandatory_customer_takes_out_the_least_valuable_optional_visit():
    problem = _problem([Customer("cheap", 1, 10, 600, DAY), Customer("dear", 2, 500, 600, DAY),
                        Customer("ptp", 3, 1, 600, DAY, mandatory=True)], max_visits=2)
    routes = [[0, 1]]
    left_out = _fill(problem, routes)
    assert sorted(routes[0]) == [1, 2]
    assert left_out == {0: Reason.DAY_FULL}


def test_left_out_reasons_are_judged_against_the_final_routes():
    """Not worth the trip when it fits at a loss; day full when the cap leaves no room."""
    problem = _problem([Customer("far", 3, 1, 600, DAY), Customer("near", 1, 1000, 600, DAY)])
    problem = Problem(problem.collectors, problem.customers, problem.travel,
                      policy=type(problem.policy)(travel_cost_per_hour=1000))
    routes = [[]]
    assert _fill(problem, routes) == {0: Reason.NOT_WORTH_THE_TRIP}
    assert routes == [[1]]
