"""The map page in real headless Chromium, with the tile server unreachable: every route and
stop is drawn, unplanned customers are grey markers with their reason, the side table lists
every collector, the filter works, and the page logs no errors. A screenshot is kept in
tests/artefacts/."""

from __future__ import annotations

import json
import shutil
import socket
from collections import Counter
from pathlib import Path

import pytest

from api import map_page
from api.schemas.plan import PlanRequest
from api.schemas.plan_out import in_words
from tests.conftest import plan

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(__file__).parent / "artefacts"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

playwright = pytest.importorskip("playwright.sync_api")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium'; .ci/run installs it)")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox"])
        yield instance
        instance.close()


def _day() -> tuple[dict, dict]:
    body = json.loads((EXAMPLES / "plan_request.json").read_text())
    body["options"] = {"time_limit_seconds": 2, "deterministic": True, "work_limit": 500}
    return body, plan(body)


def test_the_map_draws_every_route_stop_and_unplanned_customer_without_tiles(browser, tmp_path):
    """Count polylines and markers against the plan, read the side table, check the console."""
    body, response = _day()
    tiles = f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png"
    page_file = tmp_path / "map.html"
    page_file.write_text(map_page.render(PlanRequest.model_validate(body), response,
                                         tile_url=tiles), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and not _tile_failure(msg, tiles)
            and problems.append(f"console: {msg.text}"))
    page.goto(page_file.as_uri())
    page.wait_for_selector(".stop")
    page.wait_for_timeout(500)

    routes_with_visits = [r for r in response["routes"] if r["visits"]]
    assert page.locator("path.route-line").count() == len(routes_with_visits)
    assert page.locator(".leaflet-marker-pane .stop").count() == response["summary"]["visits"]
    assert page.locator("path.unplanned").count() == len(response["unassigned"])
    rows = page.locator("#collectors tbody tr.collector")
    assert rows.count() == len(response["routes"])
    listed = {row.get_attribute("data-collector") for row in rows.all()}
    assert listed == {r["collector_id"] for r in response["routes"]}
    assert page.locator("body.no-tiles").count() == 1  # the tiles failed, and the page says so

    hover = page.locator("path.unplanned").first
    hover.hover(force=True)
    first = response["unassigned"][0]
    tooltip = page.locator(".leaflet-tooltip").inner_text()
    assert in_words(first["reason"]) in tooltip and "_" not in tooltip.split("—")[0]
    # The list of customers not planned is grouped by reason, in words, with counts.
    reasons = Counter(in_words(u["reason"]) for u in response["unassigned"])
    groups = page.locator("#unplanned-list tr.reason-group").all_text_contents()
    assert sorted(groups) == sorted(f"{words} ({n})" for words, n in reasons.items())
    assert page.locator("#missed.shown").count() == 0  # no mandatory visit was missed

    chosen = routes_with_visits[0]
    page.select_option("#collector-filter", chosen["collector_id"])
    assert page.locator("path.route-line").count() == 1
    assert page.locator(".leaflet-marker-pane .stop").count() == chosen["visits"]
    # The side table lists the chosen collector's stops with their times.
    visits = [s for s in chosen["steps"] if s["type"] == "visit"]
    rows = page.locator("#stops tr.stop-row")
    assert rows.count() == len(visits)
    for k in (0, len(visits) - 1):
        cells = rows.nth(k).locator("td").all_inner_texts()
        assert cells[0] == str(k + 1) and cells[2] == visits[k]["customer_id"]
        assert cells[1] == f"{visits[k]['service_start'][11:16]}–{visits[k]['service_end'][11:16]}"
    page.select_option("#collector-filter", "")
    assert page.locator("path.route-line").count() == len(routes_with_visits)
    assert not page.locator("#stops").is_visible()
    page.uncheck("#show-unplanned")
    assert not page.locator("path.unplanned").first.is_visible()
    page.check("#show-unplanned")

    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "map.png"))
    page.close()
    assert problems == []


def test_customer_ids_cannot_inject_markup_into_the_page(browser, tmp_path):
    """Ids are shown as text, never run as HTML or script."""
    body, _ = _day()
    body["customers"][0]["id"] = "<img src=x onerror=window.injected=1>"
    body["customers"][0]["mandatory"] = False
    body["customers"][0]["value"] = 0.01
    body["customers"][0].pop("balance", None)
    body["customers"][0].pop("probability_to_pay", None)
    response = plan(body)
    page_file = tmp_path / "map.html"
    page_file.write_text(map_page.render(PlanRequest.model_validate(body), response,
                                         tile_url=""), encoding="utf-8")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_selector("#collectors tbody tr")
    for marker in page.locator("path.unplanned, .stop").all():
        marker.hover(force=True)
    assert page.evaluate("window.injected") is None
    page.close()


def test_a_missed_mandatory_visit_is_said_at_the_top_and_its_customer_stands_out(
        browser, tmp_path):
    """A mandatory customer only home before the legal hours: a banner names it with the
    reason in words, its marker is red; route sheets' addresses show in the stop list; the
    page runs under its own Content-Security-Policy with no violation."""
    body, _ = _day()
    body["customers"][0].update(mandatory=True, needs_two_person=False, time_windows=[
        {"start": "2026-12-01T06:00:00+08:00", "end": "2026-12-01T07:00:00+08:00"}])
    for c in body["customers"]:
        c["address"] = f"上海市黄浦区南京东路{c['id'][-3:]}号"
    response = plan(body)
    missed = [u for u in response["unassigned"] if u["mandatory"]]
    assert [u["customer_id"] for u in missed] == [body["customers"][0]["id"]]
    page_file = tmp_path / "map.html"
    html = map_page.render(PlanRequest.model_validate(body), response, tile_url="")
    assert 'http-equiv="Content-Security-Policy"' in html
    page_file.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.goto(page_file.as_uri())
    page.wait_for_selector("#missed.shown")
    banner = page.locator("#missed").inner_text()
    assert "1 mandatory visit missed" in banner
    assert f"{missed[0]['customer_id']}: {in_words(missed[0]['reason'])}" in banner
    assert page.locator("path.unplanned.missed").count() == 1
    chosen = next(r for r in response["routes"] if r["visits"])
    page.select_option("#collector-filter", chosen["collector_id"])
    first = next(s for s in chosen["steps"] if s["type"] == "visit")
    address = page.locator("#stops tr.stop-row td.addr").first.inner_text()
    assert address == f"上海市黄浦区南京东路{first['customer_id'][-3:]}号"
    page.close()
    assert problems == []


def _tile_failure(message, tiles: str) -> bool:
    host = tiles.split("/")[2]
    return "Failed to load resource" in message.text or host in (message.location or {}).get(
        "url", "")
