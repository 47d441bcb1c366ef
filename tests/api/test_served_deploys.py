"""POST /apps/deploy/ with ephemeral / app_id: the deploys `skylift serve` makes."""

from __future__ import annotations

from apps.models import App, AppState
from functions.models import Function
from functions.services import app_stop

from .support import row_counts


def _deploy(member, objects, **extra):
    spec = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": objects.mount.sha256}
    body = {"name": "served", "functions": [spec], **extra}
    return member.api.post("/api/v1/apps/deploy/", body, format="json")


def test_it_deploys_into_a_new_ephemeral_app_then_redeploys_it_by_id(trio, objects_a):
    # when
    first = _deploy(trio.alice, objects_a, ephemeral=True)
    app_id = first.json()["app"]["id"]
    again = _deploy(trio.alice, objects_a, app_id=app_id, tag="r2")
    # then a new ephemeral app runs v1, and the same app is redeployed (unchanged: nothing to do)
    assert first.status_code == 200, first.content[:300]
    app = App.objects.get(pk=app_id)
    assert (app.state, app.client_seen_at is not None) == (AppState.EPHEMERAL, True)
    assert first.json()["version"]["number"] == 1
    assert again.status_code == 200, again.content[:300]
    assert (again.json()["app"]["id"], again.json()["changed"]) == (app_id, False)
    # and no deployed app of that name was made
    assert not App.objects.filter(name="served", state=AppState.DEPLOYED).exists()
    assert Function.objects.filter(app=app, retired_at__isnull=True).count() == 1


def test_it_refuses_to_redeploy_a_strangers_or_a_stopped_app(trio, objects_a):
    # given A's app, stopped (which the audit log records)
    app_stop(app=objects_a.app)
    before = row_counts()
    # when charlie names A's app, and alice the stopped one
    stranger = _deploy(trio.charlie, objects_a, app_id=objects_a.app.id)
    stopped = _deploy(trio.alice, objects_a, app_id=objects_a.app.id)
    # then
    assert stranger.status_code == 404, stranger.content[:300]
    assert objects_a.app.id in stranger.json()["error"]["message"]
    assert stopped.status_code == 409, stopped.content[:300]
    assert "stopped" in stopped.json()["error"]["message"]
    assert row_counts() == before
