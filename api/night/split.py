"""How a night splits into tasks a cluster can spread, and how their results join again.

An allocation **group** is a set of regions that share collectors: a collector working several
regions joins them, and a collector who may work anywhere (no regions) or a case with no region
joins everything into one group. Cases never move between groups, so each group is allocated on
its own, in parallel with the others; fairness (the balance band) and the cap on reassignments
then hold within each group. A day-plan **region** is the first region of each collector, as
before; each lies in exactly one group and is planned once its group is allocated.

A case whose region no collector works is in no group: it is reported unallocated with that
reason, never dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL = "all"
# The smallest share of the allocation's time limit a group is given.
MIN_GROUP_SECONDS = 0.5
NO_COLLECTOR_IN_REGION = "no_collector_in_region"


@dataclass(frozen=True)
class Group:
    """One allocation task: its name, its regions, and its request body."""

    name: str
    regions: tuple[str, ...]
    body: dict


@dataclass
class Split:
    """The night's allocation groups, the cases in none of them (as unallocated entries), the
    day-plan regions with their collectors, and the group of each region."""

    groups: list[Group]
    orphans: list[dict] = field(default_factory=list)
    regions: dict[str, list[dict]] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def split(body: dict, seconds: float) -> Split:
    """Split an allocation request body (``cases``, ``collectors``, policy and options) into
    groups; each group's time limit is its share of ``seconds`` by cases (at least
    ``MIN_GROUP_SECONDS``)."""
    cases, collectors = body["cases"], body["collectors"]
    root: dict[str, str] = {}

    def find(r: str) -> str:
        while root.setdefault(r, r) != r:
            root[r] = root[root[r]]
            r = root[r]
        return r

    anywhere = any(not k.get("regions") for k in collectors) or any(
        not c.get("region") for c in cases)
    for k in collectors:
        names = [ALL] if anywhere else k["regions"]
        for r in names[1:]:
            root[find(r)] = find(names[0])
        find(names[0])
    members: dict[str, list[str]] = {}
    for r in root:
        members.setdefault(find(r), []).append(r)
    name_of = {top: ALL if len(members) == 1 else "+".join(sorted(rs))
               for top, rs in members.items()}
    by_group: dict[str, list[dict]] = {name: [] for name in name_of.values()}
    orphans: list[dict] = []
    unworked: dict[str, int] = {}
    for c in cases:
        region = ALL if anywhere else c["region"]
        if region in root:
            by_group[name_of[find(region)]].append(c)
        else:
            orphans.append({"case_id": c["id"], "reason": NO_COLLECTOR_IN_REGION,
                            "mandatory": bool(c.get("mandatory")),
                            "explanation": f"No collector works in region {region}."})
            unworked[region] = unworked.get(region, 0) + 1
    staff: dict[str, list[dict]] = {name: [] for name in by_group}
    for k in collectors:
        staff[name_of[find(ALL if anywhere else k["regions"][0])]].append(k)
    rest = {key: value for key, value in body.items() if key not in ("cases", "collectors")}
    total = max(1, len(cases) - len(orphans))
    groups = []
    for name in sorted(by_group):
        share = max(MIN_GROUP_SECONDS, seconds * len(by_group[name]) / total)
        options = {**rest.get("options", {}), "time_limit_seconds": round(share, 3)}
        groups.append(Group(name, tuple(sorted(r for top, rs in members.items()
                                               if name_of[top] == name for r in rs)),
                            {**rest, "options": options, "cases": by_group[name],
                             "collectors": staff[name]}))
    regions: dict[str, list[dict]] = {}
    for k in collectors:
        regions.setdefault((k.get("regions") or [ALL])[0], []).append(k)
    group_of = {r: name_of[find(ALL if anywhere else r)] for r in regions}
    warnings = [f"region {r}: {n} cases and no collector who works it" for r, n in
                sorted(unworked.items())]
    return Split(groups, orphans, dict(sorted(regions.items())), group_of, warnings)


def merge(responses: list[dict], orphans: list[dict], warnings: list[str]) -> dict:
    """One allocation response (as JSON) of the groups' responses, in group order, and the
    cases in no group with the night's ``warnings`` about them. The groups' ``seconds`` add
    up (the work done, not the wall time)."""
    if len(responses) == 1 and not orphans:
        return responses[0]
    unallocated = [u for r in responses for u in r["unallocated"]] + orphans
    missed = sum(u["mandatory"] for u in unallocated)
    objective = round(sum(r["objective"] for r in responses), 2)
    bounds = [r["bound"] for r in responses]
    bound = None if not bounds or None in bounds else round(sum(bounds), 2)
    summaries = [r["summary"] for r in responses]
    allocated = sum(s["allocated"] for s in summaries)
    return {
        "status": "mandatory_missed" if missed else "partial" if unallocated else "complete",
        "method": "+".join(sorted({r["method"] for r in responses})) or "none",
        "solver_status": "+".join(sorted({r["solver_status"] for r in responses})) or "none",
        "objective": objective, "bound": bound,
        "gap": None if bound is None else round((bound - objective) / max(1.0, abs(bound)), 6),
        "summary": {"cases": allocated + len(unallocated), "allocated": allocated,
                    "unallocated": len(unallocated), "mandatory_unallocated": missed,
                    "value": sum(s["value"] for s in summaries),
                    "reassigned": sum(s["reassigned"] for s in summaries)},
        "collectors": [k for r in responses for k in r["collectors"]],
        "allocations": [a for r in responses for a in r["allocations"]],
        "unallocated": unallocated,
        "warnings": list(dict.fromkeys([*warnings, *(w for r in responses
                                                      for w in r["warnings"])])),
        "seconds": round(sum(r["seconds"] for r in responses), 3),
    }
