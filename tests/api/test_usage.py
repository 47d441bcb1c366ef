"""The usage report over the API: grouped, priced at the version metered, bad input refused."""

from __future__ import annotations

import pytest

from billing import prices

DEFAULT = prices.parse(prices.DEFAULT_FILE.read_text())


def test_it_reports_a_tasks_usage_by_app_and_resource(trio, objects_a):
    # given A's task of 0.125 cores and 128 MiB, metered for its 60 s two minutes ago
    # when alice asks for the usage by app
    body = trio.alice.api.get("/api/v1/usage/").json()
    # then the app's CPU and memory show, charged at their reservation, priced at the default
    rows = {(r["app_id"], r["resource"]): r for r in body["results"]}
    cpu, memory = rows[(objects_a.app.id, "cpu")], rows[(objects_a.app.id, "memory")]
    assert (cpu["quantity"], cpu["unit"]) == (pytest.approx(7.5), "core-seconds")
    assert (memory["quantity"], memory["unit"]) == (pytest.approx(7.5), "GiB-seconds")
    assert cpu["cost"] == pytest.approx(7.5 * DEFAULT["cpu"])
    assert body["total_cost"] == pytest.approx(7.5 * (DEFAULT["cpu"] + DEFAULT["memory"]))
    # and by resource per hour, the same quantities with no app
    by_resource = trio.alice.api.get("/api/v1/usage/", {"by": "resource", "granularity": "hour"}).json()
    assert sum(r["quantity"] for r in by_resource["results"] if r["resource"] == "cpu") == pytest.approx(7.5)
    assert all("app_id" not in r and r["period"].endswith(":00:00Z") for r in by_resource["results"])
    by_function = trio.alice.api.get("/api/v1/usage/", {"by": "function"}).json()["results"]
    assert {r["function_id"] for r in by_function} == {objects_a.function.id}


def test_a_range_without_usage_is_empty_and_bad_input_is_refused(trio, objects_a):
    empty = trio.alice.api.get("/api/v1/usage/", {"start": "2020-01-01", "end": "2020-02-01"})
    assert empty.status_code == 200 and empty.json()["results"] == [] and empty.json()["total_cost"] == 0
    for query, field in [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "start"),
        ({"by": "colour"}, "by"),
        ({"granularity": "minute"}, "granularity"),
    ]:
        refused = trio.alice.api.get("/api/v1/usage/", query)
        assert refused.status_code == 400, query
        assert refused.json()["error"]["field"] == field
