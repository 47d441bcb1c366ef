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
    assert {r["kind"] for r in body["results"]} == {"function"}
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
        ({"granularity": "hour", "start": "2026-01-01", "end": "2026-03-01"}, "granularity"),
    ]:
        refused = trio.alice.api.get("/api/v1/usage/", query)
        assert refused.status_code == 400, query
        assert refused.json()["error"]["field"] == field


def test_owners_and_admins_set_budgets_and_a_cap_below_the_spend_is_reached_at_once(trio, objects_a):
    # given A's app, which spent 7.5 core-seconds and 7.5 GiB-seconds this month
    spent = 7.5 * (DEFAULT["cpu"] + DEFAULT["memory"])
    # when bob, a member, sets a cap: refused with the reason
    refused = trio.bob.api.post("/api/v1/budgets/", {"limit_usd": 5}, format="json")
    assert (
        refused.status_code == 403 and "needs the role owner or admin" in refused.json()["error"]["message"]
    )
    assert refused.json()["error"]["hint"].startswith("A cap stops the containers of every member's apps.")
    # when alice caps the app below what it spent
    made = trio.alice.api.post(
        "/api/v1/budgets/",
        {"app_id": objects_a.app.id, "limit_usd": spent / 2, "period": "month"},
        format="json",
    )
    # then the cap replaces the one it had, and says it is reached
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["id"] == objects_a.budget.id and body["app"] == objects_a.app.name
    assert body["reached"] is True and body["spend_usd"] == pytest.approx(spent)
    # and a workspace budget sits beside it, not reached
    whole = trio.alice.api.post("/api/v1/budgets/", {"limit_usd": 100, "period": "day"}, format="json").json()
    assert whole["app_id"] is None and whole["reached"] is False
    listed = trio.bob.api.get("/api/v1/budgets/").json()["results"]
    assert {(b["app_id"], b["reached"]) for b in listed} == {(objects_a.app.id, True), (None, False)}
    # and bad input is refused, naming the field
    for body, field in [({"limit_usd": -1}, "limit_usd"), ({"limit_usd": 1, "period": "week"}, "period")]:
        bad = trio.alice.api.post("/api/v1/budgets/", body, format="json")
        assert bad.status_code == 400 and bad.json()["error"]["field"] == field, bad.content
    # and removing the app's cap leaves the workspace budget
    assert trio.alice.api.delete(f"/api/v1/budgets/{objects_a.budget.id}/").status_code == 204
    assert [b["app_id"] for b in trio.alice.api.get("/api/v1/budgets/").json()["results"]] == [None]
