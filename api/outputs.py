"""Day plans for people: a CSV of stops, and an Excel workbook of printable route sheets (one
sheet per collector and a summary)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.schemas.plan import PlanRequest, customer_points

STOP_COLUMNS = ["collector_id", "order", "type", "customer_id", "arrival", "service_start",
                "service_end", "lat", "lon", "travel_seconds", "distance_metres", "value",
                "mandatory", "address", "notes", "state"]


def stop_rows(request: PlanRequest, plan: dict) -> list[dict]:
    """Every step of every route, in order, with what the request says of each customer."""
    customers = {c.id: c for c in request.customers}
    rows = []
    for route in plan["routes"]:
        order = 0
        for step in route["steps"]:
            customer = customers.get(step.get("customer_id") or "")
            if step["type"] == "visit":
                order += 1
            location = step.get("location") or {}
            rows.append({
                "collector_id": route["collector_id"],
                "order": order if step["type"] == "visit" else "",
                "type": step["type"], "customer_id": step.get("customer_id") or "",
                "arrival": _clock(step["arrival"]), "service_start": _clock(step["service_start"]),
                "service_end": _clock(step["service_end"]),
                "lat": location.get("lat", ""), "lon": location.get("lon", ""),
                "travel_seconds": step["travel_seconds"],
                "distance_metres": step["distance_metres"],
                "value": "" if customer is None else round(customer.expected_value(), 2),
                "mandatory": "" if customer is None else ("yes" if customer.mandatory else ""),
                "address": (customer and customer.address) or "",
                "notes": _notes(customer) if customer is not None else "",
                "state": step.get("state", "planned")})
    return rows


def write_stops_csv(request: PlanRequest, plan: dict, path: Path) -> None:
    """The stops as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese text)."""
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=STOP_COLUMNS)
        writer.writeheader()
        writer.writerows(stop_rows(request, plan))


_HEAD = Font(bold=True, color="FFFFFF")
_FILL = PatternFill("solid", fgColor="305496")
_SHEET = ["#", "arrive", "visit", "until", "customer", "address / coordinates", "value",
          "notes"]


def write_route_sheets(request: PlanRequest, plan: dict, path: Path) -> None:
    """A workbook: a summary sheet, then one printable sheet per collector."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    _summary(summary, request, plan)
    points = customer_points(request)
    rows = stop_rows(request, plan)
    used = {"Summary"}
    for route in plan["routes"]:
        sheet = book.create_sheet(_sheet_name(route["collector_id"], used))
        heading(sheet, f"Route of {route['collector_id']} — {request.date.isoformat()}",
                 f"{route['visits']} visits · value {route['value']:,.2f} · travel "
                 f"{route['travel_seconds'] / 3600:.1f} h · "
                 f"{route['distance_metres'] / 1000:.1f} km", _SHEET)
        for row in rows:
            if row["collector_id"] != route["collector_id"]:
                continue
            if row["type"] == "visit":
                lat, lon = points.get(row["customer_id"], (row["lat"], row["lon"]))
                where = row["address"] or f"{lat:.6f}, {lon:.6f}"
                done = {"done": "DONE", "under_way": "UNDER WAY"}.get(row["state"])
                notes = " · ".join(filter(None, [done, row["notes"]]))
                sheet.append([row["order"], row["arrival"], row["service_start"],
                              row["service_end"], row["customer_id"], where, row["value"],
                              notes])
            elif row["type"] in ("start", "end", "break", "position"):
                label = {"start": "leave", "end": "back", "break": "lunch break",
                         "position": "reported position"}[row["type"]]
                sheet.append(["", row["arrival"], row["service_start"], row["service_end"],
                              label, "", "", ""])
        widths(sheet, [5, 8, 8, 8, 18, 40, 12, 40])
        printable(sheet, header_row=4)
    book.save(path)


def _summary(sheet: Worksheet, request: PlanRequest, plan: dict) -> None:
    s = plan["summary"]
    heading(sheet, f"Visit plan {request.date.isoformat()} ({request.timezone})",
             f"{s['visits']} visits · value {s['value']:,.2f} · travel "
             f"{s['travel_seconds'] / 3600:.1f} h · objective {s['objective']:,.2f} · "
             f"status {plan['status']}",
             ["collector", "visits", "value", "travel h", "km", "first visit", "last visit",
              "utilisation"])
    for route in plan["routes"]:
        visits = [st for st in route["steps"] if st["type"] == "visit"]
        sheet.append([route["collector_id"], route["visits"], route["value"],
                      round(route["travel_seconds"] / 3600, 2),
                      round(route["distance_metres"] / 1000, 1),
                      _clock(visits[0]["service_start"]) if visits else "",
                      _clock(visits[-1]["service_end"]) if visits else "",
                      route["utilisation"]])
    for collector_id in plan["unused_collectors"]:
        sheet.append([collector_id, 0, 0, 0, 0, "", "", 0])
    sheet.append([])
    sheet.append([f"Not planned: {len(plan['unassigned'])}"])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append(["customer", "mandatory", "reason", "explanation"])
    style_header(sheet, sheet.max_row)
    for u in plan["unassigned"]:
        sheet.append([u["customer_id"], "yes" if u["mandatory"] else "", u["reason"],
                      u["explanation"]])
    widths(sheet, [18, 10, 14, 10, 8, 12, 12, 60])
    printable(sheet, header_row=4)


def heading(sheet: Worksheet, title: str, line: str, columns: list[str]) -> None:
    """A title, a line of figures, a blank row, and the table's header in row 4."""
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([line])
    sheet.append([])
    sheet.append(columns)
    style_header(sheet, 4)


def style_header(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font, cell.fill = _HEAD, _FILL


def widths(sheet: Worksheet, widths: list[int]) -> None:
    for k, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def printable(sheet: Worksheet, header_row: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = "page &P of &N"
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "collector"
    candidate, k = base, 2
    while candidate.lower() in {u.lower() for u in used}:
        candidate, k = f"{base[:25]}~{k}", k + 1
    used.add(candidate)
    return candidate


def _clock(iso: str | None) -> str:
    return iso[11:16] if iso else ""


def _notes(customer) -> str:
    parts = []
    if customer.mandatory:
        parts.append("mandatory")
    if customer.time_windows:
        parts.append("window " + ", ".join(f"{w.start:%H:%M}–{w.end:%H:%M}"
                                          for w in customer.time_windows))
    if customer.needs_two_person:
        parts.append("two-person visit")
    if customer.required_skills:
        parts.append("needs " + ", ".join(customer.required_skills))
    if customer.notes:
        parts.append(customer.notes)
    return "; ".join(parts)


ALLOCATION_COLUMNS = ["case_id", "collector_id", "placement", "distance_metres",
                      "workload_hours", "value", "reason", "explanation"]


def allocation_rows(allocation: dict) -> list[list]:
    """One row per case: where it went and why, or why it was left out."""
    rows = [[a["case_id"], a["collector_id"], a["placement"], a["distance_metres"],
             a["workload_hours"], a["value"], "", a["explanation"]]
            for a in allocation["allocations"]]
    rows += [[u["case_id"], "", "", "", "", "", u["reason"], u["explanation"]]
             for u in allocation["unallocated"]]
    return rows


def write_allocation_csv(allocation: dict, path: Path) -> None:
    """Every case of an allocation as CSV (UTF-8 with a byte-order mark, for Excel)."""
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(ALLOCATION_COLUMNS)
        writer.writerows(allocation_rows(allocation))


def write_allocation_workbook(allocation: dict, path: Path) -> None:
    """An allocation as a workbook: the collectors' loads, then every case."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Collectors"
    s = allocation["summary"]
    sheet.append([f"{s['allocated']}/{s['cases']} cases allocated · value {s['value']:,.2f} · "
                  f"{s['reassigned']} reassigned · status {allocation['status']}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(["collector", "cases", "workload h", "value", "utilisation"])
    style_header(sheet, 3)
    for k in allocation["collectors"]:
        sheet.append([k["collector_id"], k["num_cases"], k["workload_hours"], k["value"],
                      k["utilisation"]])
    widths(sheet, [16, 8, 12, 14, 12])
    printable(sheet, header_row=3)
    cases = book.create_sheet("Cases")
    cases.append(ALLOCATION_COLUMNS)
    style_header(cases, 1)
    for row in allocation_rows(allocation):
        cases.append(row)
    widths(cases, [14, 14, 30, 12, 12, 12, 30, 60])
    printable(cases, header_row=1)
    book.save(path)
