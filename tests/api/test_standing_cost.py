"""Standing cost at deploy: what an app costs while idle, in the deploy's answer, on the app and in
the rollback preview; a deploy whose idle cost alone exceeds a cap is refused unless forced."""

from __future__ import annotations

import pytest

from apps.models import App, AppVersion
from billing import prices
from billing.models import Budget

DEFAULT = prices.parse(prices.DEFAULT_FILE.read_text())
# One container of 2 cores, 4 GiB and an A10G, per hour.
CONTAINER_HOUR = 3600 * (2 * DEFAULT["cpu"] + 4 * DEFAULT["memory"] + DEFAULT["gpu"]["A10G"])


def _deploy(member, objects, *, force: bool = False, **options):
    function = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": objects.mount.sha256}
    body = {"name": "warm", "functions": [{**function, "cpu": 2, "memory": 4096, "gpu": "A10G", **options}]}
    if force:
        body["force"] = True
    return member.api.post("/api/v1/apps/deploy/", body, format="json")


def test_the_deploy_answer_prices_the_containers_kept_warm(trio, objects_a):
    # when alice deploys a function of 2 cores, 4 GiB and an A10G, two kept warm and one buffer
    answer = _deploy(trio.alice, objects_a, min_containers=2, buffer_containers=1)
    # then the answer prices the two idle containers, and the buffer apart
    assert answer.status_code == 200, answer.content
    cost = answer.json()["standing_cost"]
    assert cost["per_hour"] == pytest.approx(2 * CONTAINER_HOUR)
    assert cost["per_month"] == pytest.approx(2 * CONTAINER_HOUR * 730)
    assert cost["buffer_per_hour"] == pytest.approx(CONTAINER_HOUR)
    (function,) = cost["functions"]
    assert (function["idle_containers"], function["gpu_type"], function["gpus"]) == (2, "A10G", 1)
    assert cost["caps"] == []
    # and the app's standing cost says the same to bob, a member
    app_id = answer.json()["app"]["id"]
    again = trio.bob.api.get(f"/api/v1/apps/{app_id}/standing-cost/").json()
    assert again["per_hour"] == pytest.approx(cost["per_hour"])


def test_a_deploy_whose_idle_cost_exceeds_the_apps_cap_is_refused_unless_forced(trio, objects_a, settings):
    settings.SKYLIFT_DEPLOY_WARM_SECONDS = 0  # no host in these tests: the forced version goes live at once
    # given an app deployed with nothing kept warm, and its daily cap of $5
    first = _deploy(trio.alice, objects_a)
    app = App.objects.get(pk=first.json()["app"]["id"])
    Budget.objects.create(workspace=app.workspace, app=app, limit_usd=5, period="day")
    assert first.json()["standing_cost"]["per_hour"] == 0
    # when alice deploys it with one container kept warm ($15+ a day idle)
    refused = _deploy(trio.alice, objects_a, min_containers=1)
    # then it is refused, naming the cap and the cost, and nothing changed
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "over_budget" and "--force" in error["hint"]
    assert error["message"].startswith("The app's daily cap of $5.00 would be exceeded by warm's idle cost")
    assert f"${CONTAINER_HOUR * 24:.2f} a day" in error["message"]
    assert AppVersion.objects.filter(app=app).count() == 1
    # and the app's page says the cap allows less than the app costs idle once forced
    forced = _deploy(trio.alice, objects_a, min_containers=1, force=True)
    assert forced.status_code == 200, forced.content
    (cap,) = forced.json()["standing_cost"]["caps"]
    assert (cap["scope"], cap["period"], cap["exceeded"]) == ("app", "day", True)
    assert cap["allows_per_hour"] == pytest.approx(5 / 24)
    # and rolling back to v1 would cost nothing idle: the preview says so
    preview = trio.alice.api.get(f"/api/v1/apps/{app.id}/rollback-preview/").json()
    assert preview["standing_cost"]["per_hour"] == 0
    assert preview["standing_cost"]["caps"][0]["exceeded"] is False


def test_the_workspace_cap_refuses_a_new_apps_deploy_too(trio, objects_a):
    # given a monthly workspace budget of $10
    Budget.objects.create(workspace=trio.alice.workspace, limit_usd=10)
    # when a new app keeps one container warm (over $100 a month)
    refused = _deploy(trio.alice, objects_a, min_containers=1)
    # then the workspace's cap refuses it
    assert refused.status_code == 409
    assert refused.json()["error"]["message"].startswith("The workspace's monthly cap of $10.00")
    assert not App.objects.filter(workspace=trio.alice.workspace, name="warm").exists()


def test_a_rollback_whose_idle_cost_exceeds_the_cap_is_refused_unless_forced(trio, objects_a, settings):
    settings.SKYLIFT_DEPLOY_WARM_SECONDS = 0  # no host in these tests: the forced version goes live at once
    # given v1 keeping one container warm, v2 keeping none, and then the app's daily cap of $5
    first = _deploy(trio.alice, objects_a, min_containers=1)
    _deploy(trio.alice, objects_a)
    app = App.objects.get(pk=first.json()["app"]["id"])
    Budget.objects.create(workspace=app.workspace, app=app, limit_usd=5, period="day")
    # when alice rolls back to v1 ($15+ a day idle)
    refused = trio.alice.api.post(f"/api/v1/apps/{app.id}/rollback/", {"version": 1}, format="json")
    # then it is refused by the same rule as a deploy, naming the cap and how to force it
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "over_budget"
    assert error["message"].startswith("The app's daily cap of $5.00 would be exceeded by warm's idle cost")
    assert "`skylift app rollback warm v1 --force`" in error["hint"]
    # and nothing changed: still two versions, v2 live
    app.refresh_from_db()
    assert (AppVersion.objects.filter(app=app).count(), app.live_version.number) == (2, 2)
    # when forced
    forced = trio.alice.api.post(
        f"/api/v1/apps/{app.id}/rollback/", {"version": 1, "force": True}, format="json"
    )
    # then v3 runs what v1 ran, and the audit record says it was forced
    assert forced.status_code == 200, forced.content
    assert (forced.json()["number"], forced.json()["rollback_of"]) == (3, 1)
    app.refresh_from_db()
    assert app.live_version.number == 3
    from accounts.models import AuditEvent

    event = AuditEvent.objects.filter(action="app.rollback").latest("created_at")
    assert event.data["forced"] is True
