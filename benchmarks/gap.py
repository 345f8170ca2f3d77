"""Generalized Assignment Problem instances (OR-Library and Yagiura), minimisation convention."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from allocation.model import Assignment


@dataclass(frozen=True, eq=False)
class GapInstance:
    """m agents, n items: cost[i, j], weight[i, j] of item j on agent i, capacity[i]."""

    name: str
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray

    def as_assignment(self) -> Assignment:
        """Every item on exactly one agent; minimise cost = maximise minus cost."""
        m, n = self.cost.shape
        agent, item = np.divmod(np.arange(m * n), n)
        return Assignment(
            num_items=n, num_agents=m, item=item, agent=agent,
            score=-self.cost.ravel().astype(np.int64), weight=self.weight.ravel().astype(np.int64),
            moves=np.zeros(m * n, dtype=bool), required=np.ones(n, dtype=bool),
            left_out_penalty=np.zeros(n, dtype=np.int64), cap_count=np.full(m, -1),
            cap_weight=self.capacity.astype(np.int64), base_weight=np.zeros(m, dtype=np.int64))

    def cost_of(self, assignment: list[int]) -> int:
        """Total cost of an agent-per-item list, checking capacities."""
        agents = np.asarray(assignment)
        used = np.bincount(agents, weights=self.weight[agents, np.arange(len(agents))],
                           minlength=len(self.capacity))
        if (used > self.capacity).any():
            raise ValueError("capacity exceeded")
        return int(self.cost[agents, np.arange(len(agents))].sum())


def read_gap(path: Path) -> GapInstance:
    """A whitespace-separated stream: m n, costs (m x n), weights (m x n), capacities (m)."""
    numbers = np.array(path.read_text().split(), dtype=np.int64)
    m, n = int(numbers[0]), int(numbers[1])
    cost = numbers[2:2 + m * n].reshape(m, n)
    weight = numbers[2 + m * n:2 + 2 * m * n].reshape(m, n)
    capacity = numbers[2 + 2 * m * n:2 + 2 * m * n + m]
    return GapInstance(path.name, cost, weight, capacity)


def gap_table(data: Path) -> dict[str, dict[str, str]]:
    """Rows of ``bks_gap.csv`` by instance name."""
    with (data / "gap" / "bks_gap.csv").open(newline="") as f:
        return {row["instance"]: row for row in csv.DictReader(f)}
