"""``fieldplan geocode``: addresses in a cases table to coordinates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import EXIT_MANDATORY_MISSED, QuietOpt, bad_input, bad_option, err

QUALITY, NOTE = "geocode_match", "geocode_note"


def geocode(
    table: Annotated[Path, typer.Argument(help="a cases table (.csv or .xlsx) with addresses "
                                               "(address, 地址 or 客户地址)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="the table with coordinates "
                                                          "(.csv or .xlsx)")],
    addresses: Annotated[Path, typer.Option(help="an OpenStreetMap extract (.osm.pbf) whose "
                                                 "address tags are looked up")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace coordinates a row "
                                            "already has")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Add coordinates to every row of a cases table from its address, looked up
    in the address tags of an OpenStreetMap extract (no service, nothing sent
    anywhere). Each row gets lat, lon, geocode_match (exact: the street and
    its number; street: the street only, its middle; none) and geocode_note
    (why). Rows that already have coordinates keep them.

    Example:

      fieldplan geocode cases.xlsx -o geocoded.xlsx --addresses city.osm.pbf

    Exit codes: 0 every address found, 1 internal error, 2 bad input, 3 done
    but some addresses were not found (each listed with the reason).
    """
    from api.tables import ALIASES, TableError, table_rows
    from roads import RoadsError
    from roads import addresses as known

    if out.suffix.lower() not in (".csv", ".xlsx"):
        bad_option([{"field": "--out", "reason": "give a .csv or .xlsx file"}])
    try:
        header, rows = table_rows(table)
    except TableError as exc:
        bad_input(table, exc.problems)
    names = {h: ALIASES.get(h, h) for h in header}
    column = next((h for h in header if names[h] == "address"), None)
    if column is None:
        bad_input(table, [{"field": "address", "reason": "no address column (address, 地址 "
                                                         "or 客户地址)"}])
    lat = next((h for h in header if names[h] == "lat"), "lat")
    lon = next((h for h in header if names[h] == "lon"), "lon")
    try:
        matcher = known.Matcher(known.read(addresses))
    except RoadsError as exc:
        bad_input(addresses, [{"field": exc.field, "reason": exc.reason}],
                  what="OpenStreetMap extract")
    counts = {"exact": 0, "street": 0, "none": 0, "kept": 0}
    missing = []
    for number, row in rows:
        if not overwrite and (row.get(lat) or "").strip() and (row.get(lon) or "").strip():
            row[QUALITY], row[NOTE] = "kept", "the table's own coordinates"
            counts["kept"] += 1
            continue
        found = matcher.find(row.get(column) or "")
        row[lat] = "" if found.lat is None else f"{found.lat:.7f}"
        row[lon] = "" if found.lon is None else f"{found.lon:.7f}"
        row[QUALITY], row[NOTE] = found.quality, found.reason
        counts[found.quality] += 1
        if found.quality == "none":
            missing.append((number, row.get(column) or "", found.reason))
    columns = header + [c for c in (lat, lon, QUALITY, NOTE) if c not in header]
    _write(out, columns, [row for _, row in rows])
    if not quiet:
        err.print(f"{out}: {counts['exact']} exact, {counts['street']} street only, "
                  f"{counts['none']} not found, {counts['kept']} kept", highlight=False)
    for number, text, reason in missing:
        err.print(f"not found: {table}:{number}: {text!r}: {reason}", highlight=False,
                  markup=False)
    if missing:
        raise typer.Exit(EXIT_MANDATORY_MISSED)


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    """The table, written beside ``path`` and then moved in place."""
    import csv

    partial = path.with_name(path.name + ".partial")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c, "") for c in columns])
        book.save(partial)
    else:
        with partial.open("w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows([row.get(c, "") for c in columns] for row in rows)
    partial.replace(path)
