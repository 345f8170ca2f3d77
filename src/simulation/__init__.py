"""A simulated collection book for proving the loop: debtors with hidden propensities (when they
are at home, whether they pay, promise, keep promises, complain) and the outcome of a visit
drawn from them. Pure: plain data in, plain data out, seeded."""

from simulation.world import PROFILES, Debtor, Profile, Traits, Visited, book, visit_outcome

__all__ = ["PROFILES", "Debtor", "Profile", "Traits", "Visited", "book", "visit_outcome"]
