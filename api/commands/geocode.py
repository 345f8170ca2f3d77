"""``fieldplan geocode``: addresses in a cases table to coordinates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import EXIT_MANDATORY_MISSED, QuietOpt, bad_input, bad_option, err

QUALITY, NOTE = "geocode_match", "geocode_note"
AddressesOpt = Annotated[Path | None, typer.Option(
    help="an OpenStreetMap extract (.osm.pbf) whose address tags are looked up")]
GeocoderOpt = Annotated[str | None, typer.Option(
    help="instead: a geopy geocoder by name (nominatim, baidu, ...)")]
SettingOpt = Annotated[list[str] | None, typer.Option(
    help="the geocoder's settings, KEY=VALUE (user_agent=..., api_key=...)")]
MinDelayOpt = Annotated[float, typer.Option(
    help="seconds between two calls to the geocoder (its usage policy)")]


def geocode(
    table: Annotated[Path, typer.Argument(help="a cases table (.csv or .xlsx) with addresses "
                                               "(address, 地址 or 客户地址)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="the table with coordinates "
                                                          "(.csv or .xlsx)")],
    addresses: AddressesOpt = None,
    geocoder: GeocoderOpt = None,
    setting: SettingOpt = None,
    min_delay: MinDelayOpt = 1.0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace coordinates a row "
                                            "already has")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Add coordinates to every row of a cases table from its address, looked up
    in the address tags of an OpenStreetMap extract (--addresses: no service,
    nothing sent anywhere) or asked of a geocoding service through geopy
    (--geocoder, at most one call per --min-delay seconds, every answer kept
    in a cache). Each row gets lat, lon, geocode_match (exact: the street and
    its number; street: the street only, its middle; service: the service's
    answer; none) and geocode_note (why). Rows with coordinates keep them.

    Examples:

      fieldplan geocode cases.xlsx -o geocoded.xlsx --addresses city.osm.pbf
      fieldplan geocode cases.xlsx -o geocoded.xlsx --geocoder nominatim \\
          --setting user_agent=acme-collections

    Exit codes: 0 every address found, 1 internal error, 2 bad input, 3 done
    but some addresses were not found (each listed with the reason).
    """
    from api.tables import ALIASES, TableError, table_rows

    if out.suffix.lower() not in (".csv", ".xlsx"):
        bad_option([{"field": "--out", "reason": "give a .csv or .xlsx file"}])
    geocoding = geocoding_of(addresses, geocoder, setting, min_delay)
    if geocoding is None:
        bad_option([{"field": "--addresses", "reason": "give --addresses (an extract) or "
                                                       "--geocoder (a service)"}])
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
    with finder(geocoding) as find:
        counts, missing = _geocode(rows, find, column, lat, lon, overwrite)
    columns = header + [c for c in (lat, lon, QUALITY, NOTE) if c not in header]
    _write(out, columns, [row for _, row in rows])
    if not quiet:
        err.print(f"{out}: {counts['exact'] + counts['service']} found, {counts['street']} "
                  f"street only, {counts['none']} not found, {counts['kept']} kept",
                  highlight=False)
    for number, text, reason in missing:
        err.print(f"not found: {table}:{number}: {text!r}: {reason}", highlight=False,
                  markup=False)
    if missing:
        raise typer.Exit(EXIT_MANDATORY_MISSED)


def geocoding_of(addresses: Path | None, geocoder: str | None, setting: list[str] | None,
                 min_delay: float):
    """The ``api.locate.Geocoding`` the options ask for (None: none); exits 2 for both at
    once, or a setting that is not KEY=VALUE."""
    from api.locate import Geocoding

    if addresses is not None and geocoder is not None:
        bad_option([{"field": "--addresses", "reason": "give --addresses (an extract) or "
                                                       "--geocoder (a service), not both"}])
    settings = {}
    for item in setting or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            bad_option([{"field": "--setting", "reason": f"{item!r}: give KEY=VALUE"}])
        settings[key.strip()] = value.strip()
    if addresses is None and geocoder is None:
        return None
    return Geocoding(addresses, geocoder, settings, min_delay)


@contextmanager
def finder(geocoding) -> Iterator:
    """``find(address) -> Match`` for ``geocoding`` (None when it is None); exits 2 if the
    extract or the service cannot be used."""
    from api.locate import GeocodingSetupError
    from api.locate import finder as make
    from roads import RoadsError

    if geocoding is None:
        yield None
        return
    with ExitStack() as stack:
        try:
            find = stack.enter_context(make(geocoding))
        except RoadsError as exc:
            bad_input(geocoding.addresses, [{"field": exc.field, "reason": exc.reason}],
                      what="OpenStreetMap extract")
        except GeocodingSetupError as exc:
            bad_option([{"field": "--geocoder", "reason": exc.reason}])
        except OSError as exc:
            bad_option([{"field": "--addresses", "reason": f"cannot be read: "
                                                           f"{exc.strerror or exc}"}])
        yield find


def _geocode(rows, find, column: str, lat: str, lon: str, overwrite: bool):
    """Fill each row's coordinates and match columns; the counts, and the rows not found."""
    counts = {"exact": 0, "street": 0, "service": 0, "none": 0, "kept": 0}
    missing = []
    for number, row in rows:
        if not overwrite and (row.get(lat) or "").strip() and (row.get(lon) or "").strip():
            row[QUALITY], row[NOTE] = "kept", "the table's own coordinates"
            counts["kept"] += 1
            continue
        found = find(row.get(column) or "")
        row[lat] = "" if found.lat is None else f"{found.lat:.7f}"
        row[lon] = "" if found.lon is None else f"{found.lon:.7f}"
        row[QUALITY], row[NOTE] = found.quality, found.reason
        counts[found.quality] += 1
        if found.quality == "none":
            missing.append((number, row.get(column) or "", found.reason))
    return counts, missing


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
