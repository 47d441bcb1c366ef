"""Acting on an object deleted or changed since the client last saw it: the answer says so."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from apps.models import App


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/secrets/se-gone/", "secret"),
        ("/api/v1/volumes/vo-gone/", "volume"),
        ("/api/v1/members/mb-gone/", "member"),
        ("/api/v1/tasks/ta-gone/stop/", "container"),
        ("/api/v1/calls/fc-gone/cancel/", "call"),
        ("/api/v1/service-tokens/ak-gone/", "service token"),
    ],
)
def test_a_missing_object_is_named_with_its_workspace(trio, path, name):
    method = "post" if path.endswith(("stop/", "cancel/")) else "delete"
    response = getattr(trio.alice.api, method)(path)
    assert response.status_code == 404, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "not_found"
    ident = path.rstrip("/").split("/")[4]
    assert (
        error["message"]
        == f"There is no {name} {ident} in workspace alice-ws: it was deleted, or never existed."
    )
    assert "reload the page" in error["hint"]


def test_another_workspaces_object_reads_as_a_missing_one(trio, objects_a):
    # charlie (workspace B) names A's secret: the same words as for an id that never existed
    response = trio.charlie.api.delete(f"/api/v1/secrets/{objects_a.secret.id}/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        f"There is no secret {objects_a.secret.id} in workspace charlie-ws: it was deleted, or never existed."
    )


def test_stopping_a_stopped_app_again_keeps_when_and_records_one_stop(trio, objects_a):
    app = objects_a.app
    first = trio.alice.api.post(f"/api/v1/apps/{app.id}/stop/")
    assert first.status_code == 200, first.content[:300]
    stopped_at = App.objects.get(pk=app.pk).stopped_at
    again = trio.alice.api.post(f"/api/v1/apps/{app.id}/stop/")
    assert again.status_code == 200 and again.json()["state"] == "stopped"
    assert App.objects.get(pk=app.pk).stopped_at == stopped_at
    assert AuditEvent.objects.filter(action="app.stop", target_id=app.id).count() == 1
