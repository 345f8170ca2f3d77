"""The catalogue of bad input: each malformed input to ``plan``, ``assign``, ``nightly``,
``replan``, ``plan-week`` and the HTTP endpoints, with the exit code or status and the words
the person sees, and nothing written. Every bug found in input handling adds a row."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import collector, customer, request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLAN = EXAMPLES / "plan_request.json"


def _plan_body(**changes) -> dict:
    body = request([customer("c1", 1), customer("c2", 2)], [collector("A")],
                   [[0, 60, 60], [60, 0, 60], [60, 60, 0]])
    body.update(changes)
    return body


def _json(name: str, body) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        (tmp / name).write_text(json.dumps(body), encoding="utf-8")
        return name
    return make


def _bytes(name: str, data: bytes) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        (tmp / name).write_bytes(data)
        return name
    return make


def _cases_table(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], str]:
    return _bytes(name, text.encode(encoding))


def _folder(name: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        (tmp / name).mkdir()
        return name
    return make


def _changed(**changes) -> dict:
    return _plan_body(**changes)


def _customer_changed(**changes) -> dict:
    body = _plan_body()
    body["customers"][0].update(changes)
    return body


def _week(days: list[str]) -> dict:
    shift = {"start": "2026-12-07T09:00:00+08:00", "end": "2026-12-07T18:00:00+08:00"}
    return {"days": days, "timezone": "Asia/Shanghai",
            "collectors": [{"id": "A", "start": {"lat": 31.2, "lon": 121.4},
                            "shifts": [{"date": days[0], "shift": shift}]}],
            "customers": [{"id": "c1", "location": {"lat": 31.21, "lon": 121.41}, "value": 10}]}


CASES_HEADER = "id,lat,lon,balance,bucket,probability_to_pay\n"
COLLECTORS = str(EXAMPLES / "collectors.csv")

# name: (command and arguments; a callable makes a file in the test's folder and gives its
# name), expected exit code, words that must appear on standard error.
CLI = {
    "plan: request nested 100,000 deep": (
        ["plan", _bytes("deep.json", b"[" * 100_000 + b"]" * 100_000)], 2,
        "nested too deeply"),
    "plan: a folder as the request": (["plan", _folder("req.json")], 2, "is a folder"),
    "plan: no such request file": (["plan", "missing.json"], 2, "no such file"),
    "plan: not JSON": (["plan", _bytes("bad.json", b"{not json")], 2, "not valid JSON"),
    "plan: empty file": (["plan", _bytes("empty.json", b"")], 2, "not valid JSON"),
    "plan: GBK file": (["plan", _bytes("gbk.json", '{"备注": "上海"}'.encode("gbk"))], 2,
                       "save the file as UTF-8"),
    "plan: a list, not an object": (["plan", _json("list.json", [1, 2])], 2,
                                    "(request): must be an object"),
    "plan: output into a missing folder": (
        ["plan", str(PLAN), "-o", "nowhere/plan.json"], 2, "--output: nowhere/plan.json: the "
        "folder nowhere does not exist"),
    "plan: output of an unknown kind": (["plan", str(PLAN), "-o", "plan.txt"], 2,
                                        "--output: plan.txt: use a .json"),
    "plan: output that is a folder": (["plan", str(PLAN), "-o", _folder("out.json")], 2,
                                      "is a folder"),
    "plan: the same output twice": (["plan", str(PLAN), "-o", "a.json", "-o", "a.json"], 2,
                                     "given twice"),
    "plan: negative time limit": (["plan", str(PLAN), "--time-limit", "-1"], 2,
                                  "--time-limit"),
    "plan: no customers": (["plan", _json("none.json", _changed(customers=[]))], 2,
                           "customers: none given"),
    "plan: no collectors": (["plan", _json("nobody.json", _changed(collectors=[]))], 2,
                            "collectors"),
    "plan: unknown field": (["plan", _json("extra.json", _customer_changed(colour="red"))], 2,
                            "customers[0].colour"),
    "plan: window on another day": (
        ["plan", _json("otherday.json", _customer_changed(time_windows=[
            {"start": "2026-12-02T10:00:00+08:00", "end": "2026-12-02T12:00:00+08:00"}]))], 2,
        "customers[0].time_windows: no window on 2026-12-01"),
    "plan: unknown legal hours": (
        ["plan", _json("legal.json", _changed(policy={"legal_hours": "mars"}))], 2,
        "policy.legal_hours: Input should be 'china' or 'us_fdcpa'"),
    "plan: legal hours that end before they start": (
        ["plan", _json("legal2.json", _changed(policy={"legal_hours": {
            "start": "22:00", "end": "08:00"}}))], 2, "policy.legal_hours: end must be after"),
    "plan: shift not an object": (
        ["plan", _json("shift.json", _plan_body() | {"collectors": [
            collector("A") | {"shift": "9-5"}]})], 2, "collectors[0].shift: must be an object"),
    "plan: latitude out of range": (
        ["plan", _json("lat.json", _customer_changed(location={"lat": 91, "lon": 121}))], 2,
        "customers[0].location.lat"),
    "plan: unknown time zone": (["plan", _json("tz.json", _changed(timezone="Mars/Olympus"))],
                                2, "unknown time zone"),
    "plan: duplicate customer": (
        ["plan", _json("dup.json", _plan_body() | {"customers": [customer("c1", 1),
                                                                 customer("c1", 2)]})], 2,
        "customers[1].id"),
    "plan: tables without a date": (
        ["plan", "--customers", str(EXAMPLES / "cases.csv"), "--collectors", COLLECTORS], 2,
        "(input)"),
    "plan: a date that is not one": (
        ["plan", "--customers", str(EXAMPLES / "cases.csv"), "--collectors", COLLECTORS,
         "--date", "2026-13-01"], 2, "--date: give a date as YYYY-MM-DD"),
    "assign: no such cases table": (["assign", "--cases", "missing.csv", "--collectors",
                                     COLLECTORS], 2, "no such file"),
    "assign: a folder as the cases table": (
        ["assign", "--cases", _folder("cases.csv"), "--collectors", COLLECTORS], 2,
        "is a folder"),
    "assign: an empty cases table": (
        ["assign", "--cases", _bytes("cases.csv", b""), "--collectors", COLLECTORS], 2,
        "cases.csv:1: the file is empty"),
    "assign: a cases table with a header only": (
        ["assign", "--cases", _cases_table("cases.csv", CASES_HEADER), "--collectors",
         COLLECTORS], 2, "cases.csv:2: the table has no rows"),
    "assign: an unknown column": (
        ["assign", "--cases", _cases_table("cases.csv", "colour," + CASES_HEADER +
                                           "red,K1,31.2,121.4,100,M1,0.5\n"),
         "--collectors", COLLECTORS], 2, "cases.csv:1:colour: unknown column"),
    "assign: a missing column": (
        ["assign", "--cases", _cases_table("cases.csv", "id,lat,balance\nK1,31.2,100\n"),
         "--collectors", COLLECTORS], 2, "cases.csv:1: the column lon is missing"),
    "assign: duplicate ids": (
        ["assign", "--cases", _cases_table("cases.csv", CASES_HEADER +
                                           "K1,31.2,121.4,100,M1,0.5\nK1,31.3,121.5,90,M1,0.4\n"),
         "--collectors", COLLECTORS], 2, "cases.csv:3:id: duplicate id 'K1' (first in row 2)"),
    "assign: a bad cell": (
        ["assign", "--cases", _cases_table("cases.csv", CASES_HEADER +
                                           "K1,31.2,121.4,-5,M1,0.5\n"),
         "--collectors", COLLECTORS], 2, "cases.csv:2:balance"),
    "assign: a GBK table": (
        ["assign", "--cases", _cases_table("cases.csv", "客户编号,纬度,经度,欠款金额\n"
                                           "K1,31.2,121.4,100\n", "gbk"),
         "--collectors", COLLECTORS], 2, "save the file as UTF-8"),
    "assign: an .xlsx that is not a workbook": (
        ["assign", "--cases", _bytes("cases.xlsx", b"id,lat\n"), "--collectors", COLLECTORS],
        2, "not a readable .xlsx file"),
    "assign: no cases in a request": (
        ["assign", _json("alloc.json", {"cases": [], "collectors": [
            {"id": "A", "base": {"lat": 31.2, "lon": 121.4}}]})], 2, "cases: none given"),
    "assign: output of an unknown kind": (
        ["assign", str(EXAMPLES / "assign_request.json"), "-o", "out.html"], 2,
        "--output: out.html: use a .json, .csv or .xlsx file"),
    "nightly: a date that is not one": (
        ["nightly", str(EXAMPLES / "cases.csv"), COLLECTORS, "--date", "tomorrow", "--out",
         "night"], 2, "--date: give a date"),
    "nightly: no such cases table": (
        ["nightly", "missing.csv", COLLECTORS, "--date", "2026-12-01", "--out", "night"], 2,
        "no such file"),
    "nightly: a policy that is not JSON": (
        ["nightly", str(EXAMPLES / "cases.csv"), COLLECTORS, "--date", "2026-12-01", "--out",
         "night", "--policy",
         _bytes("policy.json", b"{oops")], 2, "not valid JSON"),
    "plan-week: eight days": (
        ["plan-week", _json("week.json", _week([f"2026-12-{d:02d}" for d in range(7, 15)]))],
        2, "days: List should have at most 7 items"),
    "plan-week: days out of order": (
        ["plan-week", _json("week.json", _week(["2026-12-08", "2026-12-07"]))], 2,
        "days[1]: 2026-12-07 is not after 2026-12-08"),
    "plan-week: a customer with no window on any day": (
        ["plan-week", _json("week.json", _week(["2026-12-07"]) | {"customers": [
            {"id": "c1", "location": {"lat": 31.21, "lon": 121.41}, "value": 10,
             "time_windows": [{"start": "2026-12-09T10:00:00+08:00",
                               "end": "2026-12-09T12:00:00+08:00"}]}]})], 2,
        "customers[0].time_windows: no window on any of the days"),
    "plan-week: tables with a day off that is no day": (
        ["plan-week", "--customers", str(EXAMPLES / "cases.csv"), "--collectors",
         _cases_table("k.csv", "id,lat,lon,days_off\nA,31.2,121.4,someday\n"),
         "--from", "2026-12-07"], 2,
        "k.csv:2:days_off: 'someday' is neither a date (YYYY-MM-DD) nor a weekday"),
    "plan-week: tables with a promise due after the week": (
        ["plan-week", "--customers",
         _cases_table("c.csv", CASES_HEADER.strip() + ",due_on\nK1,31.2,121.4,900,M1,0.3,"
                      "2026-12-20\n"), "--collectors", COLLECTORS, "--from", "2026-12-07",
         "--days", "3"], 2,
        "cases K1: due_on: 2026-12-20 is not a day of the plan (2026-12-07 to 2026-12-09)"),
    "plan-week: tables for eight days": (
        ["plan-week", "--customers", str(EXAMPLES / "cases.csv"), "--collectors", COLLECTORS,
         "--from", "2026-12-07", "--days", "8"], 2, "--days: give 1 to 7 days"),
    "plan-week: tables without the first day": (
        ["plan-week", "--customers", str(EXAMPLES / "cases.csv"), "--collectors", COLLECTORS],
        2, "give REQUEST.json, or --customers, --collectors and --from"),
    "replan: a plan that is not a plan": (
        ["replan", _json("plan.json", {"status": "complete"}), str(EXAMPLES /
                                                                 "replan_events.json")], 2,
        "plan.json is not a valid request"),
}


def _arguments(spec: list, tmp: Path) -> list[str]:
    return [part(tmp) if callable(part) else part for part in spec]


@pytest.mark.parametrize("case", sorted(CLI))
def test_bad_input_to_a_command_exits_with_the_reason_and_writes_nothing(case, tmp_path,
                                                                        monkeypatch):
    spec, code, words = CLI[case]
    monkeypatch.chdir(tmp_path)
    args = _arguments(spec, tmp_path)
    before = set(os.listdir(tmp_path))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, (result.stderr, result.exception)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "\n  " in result.stderr
    assert set(os.listdir(tmp_path)) == before  # nothing written
    assert result.stdout == ""


def test_error_lines_are_not_wrapped_when_standard_error_is_not_a_terminal(tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    long_name = "n" * 150 + ".json"
    (tmp_path / long_name).write_text("{not json")
    result = CliRunner().invoke(app, ["plan", long_name])
    line = next(x for x in result.stderr.splitlines() if "not valid JSON" in x)
    assert line.startswith("  (file): not valid JSON")
    assert long_name in result.stderr.splitlines()[0]


def test_a_request_with_a_byte_order_mark_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(_plan_body()).encode())
    result = CliRunner().invoke(app, ["plan", "bom.json", "--time-limit", "1", "-q",
                                      "-o", "plan.json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "plan.json").read_text())["summary"]["visits"] == 2


def test_outputs_are_written_all_or_none(tmp_path, monkeypatch):
    """A writer failing after the solve (here the route sheets) leaves no output behind, not
    even the ones written before it."""
    from api.commands import solve

    written = solve.write_plan

    def broken(final, *args):
        if final.suffix == ".xlsx":
            raise OSError(28, "No space left on device")
        written(final, *args)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(solve, "write_plan", broken)
    (tmp_path / "req.json").write_text(json.dumps(_plan_body()))
    result = CliRunner().invoke(app, ["plan", "req.json", "--time-limit", "1", "-q",
                                      "-o", "plan.json", "-o", "routes.xlsx", "-o", "stops.csv"])
    assert result.exit_code == 1
    assert "No space left on device; nothing written" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["req.json"]


# name: (method, path, body bytes or None, expected status, words in the body)
HTTP = {
    "body nested 100,000 deep": ("POST", "/v1/plans", b"[" * 100_000 + b"]" * 100_000, 400,
                                 "(body)"),
    "body not UTF-8": ("POST", "/v1/plans", b'{"a": "\xff\xfe"}', 400, "(body)"),
    "body not JSON": ("POST", "/v1/plans", b"{oops", 422, "JSON"),
    "no customers": ("POST", "/v1/plans", json.dumps(_changed(customers=[])).encode(), 422,
                     "customers"),
    "a window on another day": (
        "POST", "/v1/plans", json.dumps(_customer_changed(time_windows=[
            {"start": "2026-12-02T10:00:00+08:00", "end": "2026-12-02T12:00:00+08:00"}])).encode(),
        422, "customers[0].time_windows"),
    # Over a cap: refused from a count of the items, before any item is parsed (the items
    # here are not even valid customers or cases).
    "more customers than the cap": ("POST", "/v1/plans", json.dumps(
        {"customers": [{}] * 5001}).encode(), 422, "5001 given"),
    "more cases than the cap": ("POST", "/v1/allocations", json.dumps(
        {"cases": [{}] * 200_001, "collectors": []}).encode(), 422, "200001 given"),
    "more week customers than the cap": ("POST", "/v1/weeks", json.dumps(
        {"customers": [[]] * 5001}).encode(), 422, "5001 given"),
    "a NUL byte in a job id": ("GET", "/v1/jobs/%00abc", None, 404, "no job"),
    "a job id of the wrong shape": ("GET", "/v1/jobs/" + "z" * 40, None, 404, "no job"),
    "a number as a time": ("GET", "/v1/jobs?created_before=0.5", None, 422, "created_before"),
    "a method the path does not take": ("POST", "/v1/jobs/" + "a" * 32, None, 405,
                                        "Method Not Allowed"),
}


@pytest.mark.parametrize("case", sorted(HTTP))
def test_bad_input_to_the_service_is_refused_with_the_reason(case, database_url):
    from tests.api.test_service import service

    method, path, body, status, words = HTTP[case]
    with service(database_url) as (client, north, _):
        answer = client.request(method, path, content=body,
                                headers=north | {"Content-Type": "application/json"})
        assert answer.status_code == status, answer.text
        assert words in answer.text
        if status in (400, 422):
            assert answer.json()["errors"], answer.text
        if status == 405:
            assert answer.headers["Allow"] == "DELETE, GET"
        assert client.get("/v1/jobs", headers=north).json()["jobs"] == []


def test_a_cancelled_job_cancelled_again_answers_409(database_url):
    from tests.api.test_service import service, slow_day

    with service(database_url) as (client, north, _):
        job = client.post("/v1/plans", json=slow_day(), headers=north).json()
        assert client.delete(f"/v1/jobs/{job['id']}", headers=north).status_code == 200
        again = client.delete(f"/v1/jobs/{job['id']}", headers=north)
        assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
