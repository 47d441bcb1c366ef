"""Ephemeral apps (`skylift run`, `app.run()`, `skylift serve`) and the spending caps: none starts
while a cap of the workspace is reached, and their min_containers are priced as a deploy's."""

from __future__ import annotations

from apps.models import App
from billing.models import Budget
from functions.models import Function


def _function(objects, **options):
    return {
        "name": "square",
        "module": "mod",
        "qualname": "square",
        "mount_sha256": objects.mount.sha256,
        "cpu": 2,
        "memory": 4096,
        "gpu": "A10G",
        **options,
    }


def _serve(member, objects, *, force: bool = False, **options):
    body = {"name": "served", "ephemeral": True, "functions": [_function(objects, **options)], "force": force}
    return member.api.post("/api/v1/apps/deploy/", body, format="json")


def test_no_ephemeral_app_starts_while_the_workspace_cap_is_reached(trio, objects_a):
    # given a workspace budget of $0 a month: reached at once
    Budget.objects.create(workspace=trio.alice.workspace, limit_usd=0)
    # when alice starts `skylift run` (or app.run()) and `skylift serve`
    run = trio.alice.api.post("/api/v1/apps/", {"name": "ran"}, format="json")
    served = _serve(trio.alice, objects_a)
    # then both are refused, naming the cap, what was spent and who can raise it
    for refused in (run, served):
        assert refused.status_code == 409, refused.content
        error = refused.json()["error"]
        assert error["code"] == "budget_reached"
        assert error["message"] == (
            "No new app can start: The workspace's monthly cap of $0.00 is reached ($0.00 spent); "
            "an owner or admin of the workspace can raise it (`skylift billing budget set`)."
        )
    # and no app was made
    assert not App.objects.filter(workspace=trio.alice.workspace, name__in=["ran", "served"]).exists()
    # when the cap is raised, a run starts
    Budget.objects.filter(workspace=trio.alice.workspace).update(limit_usd=100)
    assert trio.alice.api.post("/api/v1/apps/", {"name": "ran"}, format="json").status_code == 201


def test_a_runs_min_containers_over_the_cap_are_refused_unless_forced(trio, objects_a):
    # given a monthly workspace budget of $10, and a running app
    Budget.objects.create(workspace=trio.alice.workspace, limit_usd=10)
    app = trio.alice.api.post("/api/v1/apps/", {"name": "ran"}, format="json").json()
    # when app.run() defines a function keeping a container of 2 cores, 4 GiB and an A10G warm
    body = {"app_id": app["id"], **_function(objects_a, min_containers=1)}
    refused = trio.alice.api.post("/api/v1/functions/", body, format="json")
    # then it is refused as a deploy would be, saying how to run it anyway, and nothing is defined
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "over_budget"
    assert error["message"].startswith(
        "The workspace's monthly cap of $10.00 would be exceeded by ran's idle"
    )
    assert "`skylift run --force` (`app.run(force=True)`)" in error["hint"]
    assert not Function.objects.filter(app_id=app["id"]).exists()
    # and one kept cold is defined; forced, the warm one too
    cold = trio.alice.api.post("/api/v1/functions/", {**body, "min_containers": 0}, format="json")
    assert cold.status_code == 201, cold.content
    forced = trio.alice.api.post("/api/v1/functions/", {**body, "name": "warm", "force": True}, format="json")
    assert forced.status_code == 201, forced.content
    assert Function.objects.filter(app_id=app["id"]).count() == 2


def test_a_served_apps_min_containers_over_the_cap_are_refused_unless_forced(trio, objects_a):
    # given a monthly workspace budget of $10
    Budget.objects.create(workspace=trio.alice.workspace, limit_usd=10)
    # when `skylift serve` deploys a function keeping one container warm
    refused = _serve(trio.alice, objects_a, min_containers=1)
    # then it is refused, saying how to serve it anyway, and no app was made
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "over_budget"
    assert "`skylift serve --force`" in refused.json()["error"]["hint"]
    assert not App.objects.filter(workspace=trio.alice.workspace, name="served").exists()
    # and forced, it is served
    forced = _serve(trio.alice, objects_a, min_containers=1, force=True)
    assert forced.status_code == 200, forced.content
    assert forced.json()["app"]["state"] == "ephemeral"
