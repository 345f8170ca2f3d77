"""Independent checkers for the test suite and the benchmarks: they recompute plans and
allocations from the request (or the instance file) and share no timing, screening or scoring
code with the engines, so an engine's own numbers are never trusted.

- ``verify.day_plan.Checker``: day plans, from the request JSON.
- ``verify.allocation.AllocationChecker``: allocations, from the request JSON.
- ``verify.toptw``: TOPTW plans, from the public instance file.
"""
