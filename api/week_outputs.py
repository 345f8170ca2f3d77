"""Files of a week plan: a workbook with the week's summary and a sheet per day, and a map page
per day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from api import map_page
from api.outputs import heading, printable, stop_rows, style_header, widths
from api.schemas.week import WeekRequest, day_request

_DAY = ["collector", "#", "arrive", "visit", "until", "customer", "address / coordinates",
        "value", "notes"]


def write_week_workbook(request: WeekRequest, week: dict, path: Path) -> None:
    """The week's summary (per day and collector), then one sheet per day with every stop."""
    book = Workbook()
    summary = book.active
    summary.title = "Week"
    s = week["summary"]
    heading(summary, f"Week plan {week['days'][0]['date'] if week['days'] else ''} – "
                     f"{week['days'][-1]['date'] if week['days'] else ''} ({request.timezone})",
            f"{s['visits']} visits · value {s['value']:,.2f} (discounted "
            f"{s['discounted_value']:,.2f}) · travel {s['travel_seconds'] / 3600:.1f} h · "
            f"objective {s['objective']:,.2f} · status {week['status']}",
            ["day", "visits", "value", "travel h", "collectors out", "busiest route"])
    for entry in week["days"]:
        plan = entry["plan"]
        summary.append([entry["date"], plan["summary"]["visits"], plan["summary"]["value"],
                        round(plan["summary"]["travel_seconds"] / 3600, 2), len(plan["routes"]),
                        max((r["visits"] for r in plan["routes"]), default=0)])
    summary.append([])
    summary.append([f"Not planned on any day: {len(week['unassigned'])}"])
    summary.cell(summary.max_row, 1).font = Font(bold=True)
    summary.append(["customer", "mandatory", "reason", "explanation"])
    style_header(summary, summary.max_row)
    for u in week["unassigned"]:
        summary.append([u["customer_id"], "yes" if u["mandatory"] else "", u["reason"],
                        u["explanation"]])
    widths(summary, [18, 10, 14, 10, 14, 14])
    printable(summary, header_row=4)
    for entry in week["days"]:
        day = day_request(request, date.fromisoformat(entry["date"]))
        sheet = book.create_sheet(entry["date"])
        plan = entry["plan"]
        heading(sheet, f"Visits of {entry['date']}",
                f"{plan['summary']['visits']} visits · value {plan['summary']['value']:,.2f}",
                _DAY)
        for row in stop_rows(day, plan) if day is not None else []:
            if row["type"] != "visit":
                continue
            where = row["address"] or f"{row['lat']}, {row['lon']}"
            sheet.append([row["collector_id"], row["order"], row["arrival"],
                          row["service_start"], row["service_end"], row["customer_id"], where,
                          row["value"], row["notes"]])
        widths(sheet, [14, 5, 8, 8, 8, 18, 40, 12, 40])
        printable(sheet, header_row=4)
    book.save(path)


def write_week_maps(request: WeekRequest, week: dict, path: Path, tiles: str, *,
                    index: Path | None = None) -> None:
    """A map page per day beside ``path`` (``NAME-YYYY-MM-DD.html``), and at ``path`` (or
    ``index``, to be moved there) a page linking them."""
    links = []
    for entry in week["days"]:
        day = day_request(request, date.fromisoformat(entry["date"]))
        if day is None:
            continue
        page = path.with_name(f"{path.stem}-{entry['date']}.html")
        page.write_text(map_page.render(day, entry["plan"], tile_url=tiles), encoding="utf-8")
        links.append(f'<li><a href="{page.name}">{entry["date"]}</a>: '
                     f'{entry["plan"]["summary"]["visits"]} visits</li>')
    (index or path).write_text("<!doctype html><meta charset=utf-8><title>Week plan</title>"
                    "<h1>Week plan</h1><ul>" + "".join(links) + "</ul>", encoding="utf-8")
