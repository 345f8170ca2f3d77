"""fieldplan geocode --geocoder: a geopy geocoder (Nominatim here, against a local server that
answers as Nominatim's search does), answers kept in the cache (a rerun asks nothing), and a
service over its quota: found addresses kept, the rest listed with that reason."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")
KNOWN = {"Kaivokatu 1, Helsinki": (60.1713198, 24.9414566),
         "Mikonkatu 18, Helsinki": (60.1721106, 24.9449953)}


class Nominatim(BaseHTTPRequestHandler):
    quota = False
    asked: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        assert url.path == "/search"
        query = parse_qs(url.query)["q"][0]
        Nominatim.asked.append(query)
        if Nominatim.quota:
            self.send_response(429)
            self.end_headers()
            return
        point = KNOWN.get(query)
        body = json.dumps([] if point is None else [
            {"lat": str(point[0]), "lon": str(point[1]), "display_name": query}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def nominatim():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Nominatim)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Nominatim.quota, Nominatim.asked = False, []
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _geocode(table: Path, out: Path, domain: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FIELDPLAN, "geocode", str(table), "-o", str(out), "--geocoder", "nominatim",
         "--setting", f"domain={domain}", "--setting", "scheme=http", "--setting",
         "user_agent=fieldplan-tests", "--min-delay", "0"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "FIELDPLAN_CACHE_DIR": str(cache)})


def test_a_service_geocodes_once_and_a_rerun_asks_it_nothing(nominatim, tmp_path):
    table = tmp_path / "cases.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "地址"], ["K1", "Kaivokatu 1, Helsinki"],
                                 ["K2", "Mikonkatu  18,  Helsinki"], ["K3", "Nowhere 9"]])
    out = tmp_path / "out.csv"
    done = _geocode(table, out, nominatim, tmp_path / "cache")
    assert done.returncode == 3, done.stderr
    assert "'Nowhere 9': the geocoder does not know the address" in done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["geocode_match"] for r in rows] == ["service", "service", "none"]
    assert float(rows[1]["lat"]) == pytest.approx(60.1721106)
    assert len(Nominatim.asked) == 3
    again = _geocode(table, out, nominatim, tmp_path / "cache")
    assert again.returncode == 3 and len(Nominatim.asked) == 3  # all from the cache


def test_a_service_over_its_quota_keeps_what_it_found_and_lists_the_rest(nominatim, tmp_path):
    table = tmp_path / "cases.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "address"], ["K1", "Kaivokatu 1, Helsinki"],
                                 ["K2", "Mikonkatu 18, Helsinki"]])
    cache = tmp_path / "cache"
    first = tmp_path / "first.csv"
    first.write_text("id,address\nK1,\"Kaivokatu 1, Helsinki\"\n", encoding="utf-8")
    assert _geocode(first, tmp_path / "o1.csv", nominatim, cache).returncode == 0
    Nominatim.quota = True
    done = _geocode(table, tmp_path / "out.csv", nominatim, cache)
    assert done.returncode == 3
    assert "'Mikonkatu 18, Helsinki': the geocoder's quota is used up" in done.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert [r["geocode_match"] for r in rows] == ["service", "none"]  # K1 from the cache


def test_a_service_down_or_unknown_is_said(tmp_path):
    table = tmp_path / "cases.csv"
    table.write_text("id,address\nK1,x\n", encoding="utf-8")
    done = _geocode(table, tmp_path / "out.csv", "127.0.0.1:9", tmp_path)
    assert done.returncode == 3 and "'x': the geocoder failed: GeocoderUnavailable" in " ".join(
        done.stderr.split())
    wrong = subprocess.run([FIELDPLAN, "geocode", str(table), "-o", str(tmp_path / "o.csv"),
                            "--geocoder", "no-such-service"], capture_output=True, text=True,
                           timeout=60)
    assert wrong.returncode == 2 and "no-such-service" in wrong.stderr
    both = subprocess.run([FIELDPLAN, "geocode", str(table), "-o", str(tmp_path / "o.csv")],
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "--addresses" in both.stderr
