"""The simulated month as a page: totals side by side and the cumulative recovery of both
policies drawn as an SVG line chart (no script, no tiles: it opens anywhere)."""

from __future__ import annotations

from html import escape
from itertools import accumulate

ROWS = [("recovered", "recovered", "{:,.2f}"),
        ("recovered_per_collector_day", "recovered per collector-day", "{:,.2f}"),
        ("visits", "visits", "{:,}"), ("promises_due", "promises due on a working day", "{:,}"),
        ("checked_on_due_day", "checked on their due day", "{:,}"),
        ("broken", "promises broken", "{:,}"),
        ("broken_followed_up", "broken promises followed up", "{:,}"),
        ("complaints", "complaints", "{:,}"), ("violations", "rule violations", "{:,}")]


def render(report: dict) -> str:
    """The page for a report of ``api.simulate.run``."""
    ours, theirs = report["fieldplan"], report["baseline"]
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{fmt.format(ours[key])}</td>"
        f"<td>{fmt.format(theirs[key])}</td></tr>" for key, label, fmt in ROWS)
    uplift = report["uplift"]
    title = (f"{report['days']} days, {report['cases']} cases, {report['collectors']} "
             f"collectors, profile {report['profile']}, seed {report['seed']}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulated month: {escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse}}td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;
text-align:right}}th{{text-align:left}}</style></head><body>
<h1>Simulated month</h1><p>{escape(title)}. Recovery per collector-day: Fieldplan
{ours['recovered_per_collector_day']:,.2f}, without Fieldplan
{theirs['recovered_per_collector_day']:,.2f}
({'n/a' if uplift is None else f'{100 * uplift:+.1f}%'}).</p>
<table><tr><th></th><th>Fieldplan</th><th>without</th></tr>{rows}</table>
<h2>Cumulative recovery</h2>{_chart(report)}
</body></html>
"""


def _chart(report: dict, width: int = 720, height: int = 300) -> str:
    series = {"Fieldplan": ("#1f6feb", list(accumulate(report["fieldplan"]["recovered_by_day"]))),
              "without Fieldplan": ("#d9822b",
                                    list(accumulate(report["baseline"]["recovered_by_day"])))}
    days = len(report["calendar"])
    top = max([1.0, *(v for _, values in series.values() for v in values)])
    pad = 50

    def x(k: int) -> float:
        return pad + (width - 2 * pad) * k / max(1, days - 1)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    lines = []
    for n, (name, (colour, values)) in enumerate(series.items()):
        points = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in enumerate(values))
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'points="{points}"/><text x="{pad + 10}" y="{pad + 18 * n}" '
                     f'fill="{colour}">{escape(name)}</text>')
    axes = (f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
            f'stroke="#888"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" '
            f'stroke="#888"/><text x="{pad}" y="{height - pad + 20}">'
            f'{escape(report["calendar"][0])}</text><text x="{width - pad}" '
            f'y="{height - pad + 20}" text-anchor="end">{escape(report["calendar"][-1])}</text>'
            f'<text x="{pad - 5}" y="{pad}" text-anchor="end">{top:,.0f}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" aria-label="cumulative recovery">{axes}{"".join(lines)}</svg>')
