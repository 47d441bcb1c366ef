"""Containers over the API: the live ones with their app, function, resources and current inputs;
a user's stop (its inputs run again without spending retries); a stop of one not live is a 409."""

from __future__ import annotations

from functions.containers import STOP_CAUSE
from functions.delivery.ends import PLATFORM_STOP_CAUSES
from functions.models import Input, InputStatus, Task, TaskStatus


def test_it_lists_live_containers_with_what_they_run(trio, objects_a):
    # given a running container of A's function running one of its inputs, and the walker's stopped one
    running = Task.objects.create(
        workspace=objects_a.app.workspace, function=objects_a.function, status=TaskStatus.RUNNING
    )
    Input.objects.filter(pk=objects_a.input_ids[0]).update(status=InputStatus.RUNNING, task=running)
    # when bob (a member) lists the live ones
    response = trio.bob.api.get("/api/v1/tasks/", {"live": "true"})
    assert response.status_code == 200
    found = response.json()["results"]
    # then he sees the running one only, with its app, function, resources and input
    assert [c["id"] for c in found] == [running.id]
    shown = found[0]
    assert (shown["app"], shown["function"]) == (objects_a.app.name, objects_a.function.name)
    assert shown["cpu"] == objects_a.function.cpu and shown["memory"] == objects_a.function.memory
    assert shown["current_inputs"] == [{"input_id": objects_a.input_ids[0], "call_id": objects_a.call.id}]
    # and filtered by another app, none
    assert trio.alice.api.get("/api/v1/tasks/", {"live": "true", "app": "ap-other"}).json()["results"] == []


def test_a_stop_asks_the_container_to_stop_once(trio, objects_a):
    running = Task.objects.create(
        workspace=objects_a.app.workspace, function=objects_a.function, status=TaskStatus.RUNNING
    )
    # when alice stops it
    response = trio.alice.api.post(f"/api/v1/tasks/{running.id}/stop/")
    # then it is stopping, for a cause that does not spend the inputs' retries
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "stopping"
    running.refresh_from_db()
    assert (running.status, running.cause) == (TaskStatus.STOPPING, STOP_CAUSE)
    assert STOP_CAUSE in PLATFORM_STOP_CAUSES
    # and stopping it again says it is not running
    again = trio.alice.api.post(f"/api/v1/tasks/{running.id}/stop/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_live"
    assert "stopping" in again.json()["error"]["message"]
