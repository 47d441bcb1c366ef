"""Log lines over the API (functions.logs): filters, pages back without a cap, the tail's cursor,
the download, bad input as 400s, and retention's purge. The live tail: test_logs_live.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from functions import logs
from functions.models import LogLine, Task, TaskStatus


def _line(objects, text, *, stream="stdout", task=None, call=None, age=timedelta(0), function=True):
    return LogLine.objects.create(
        workspace=objects.app.workspace,
        app=objects.app,
        function=objects.function if function else None,
        task=task,
        call=call,
        stream=stream,
        text=text,
        created_at=timezone.now() - age,
    )


def _texts(response):
    assert response.status_code == 200, response.content[:300]
    return [entry["text"] for entry in response.json()["results"]]


@pytest.fixture
def lines(trio, objects_a):
    other_task = Task.objects.create(
        workspace=objects_a.app.workspace, function=objects_a.function, status=TaskStatus.RUNNING
    )
    made = [
        _line(objects_a, "old boot", age=timedelta(hours=3), task=objects_a.task),
        _line(objects_a, "Loading WEIGHTS", task=objects_a.task, call=objects_a.call),
        _line(objects_a, "warning: slow", stream="stderr", task=other_task),
        _line(objects_a, "done 100%", task=other_task, call=objects_a.call),
    ]
    return made, other_task


def test_it_filters_by_app_function_call_container_stream_time_and_text(trio, objects_a, lines):
    # given four lines of workspace A's app (and the walker's own line, "alpha says hello")
    _, other_task = lines
    get = trio.bob.api.get  # a member reads them
    # then each filter keeps exactly its lines, oldest first
    assert _texts(get("/api/v1/logs/", {"app": objects_a.app.id}))[-4:] == [
        "old boot",
        "Loading WEIGHTS",
        "warning: slow",
        "done 100%",
    ]
    assert _texts(get("/api/v1/logs/", {"call": objects_a.call.id}))[-2:] == ["Loading WEIGHTS", "done 100%"]
    assert _texts(get("/api/v1/logs/", {"container": other_task.id})) == ["warning: slow", "done 100%"]
    assert _texts(get("/api/v1/logs/", {"stream": "stderr"})) == ["warning: slow"]
    assert _texts(get("/api/v1/logs/", {"q": "weights"})) == ["Loading WEIGHTS"]
    assert _texts(get("/api/v1/logs/", {"q": "100%"})) == ["done 100%"]  # % is a character, not a wildcard
    assert _texts(get("/api/v1/logs/", {"q": "_"})) == []
    hour_ago = (timezone.now() - timedelta(hours=1)).isoformat()
    assert "old boot" not in _texts(get("/api/v1/logs/", {"since": hour_ago}))
    assert _texts(get("/api/v1/logs/", {"until": hour_ago, "function": objects_a.function.id})) == [
        "old boot"
    ]
    entry = get("/api/v1/logs/", {"q": "slow"}).json()["results"][0]
    assert entry["app"] == objects_a.app.name
    assert entry["function"] == objects_a.function.name
    assert entry["container_id"] == other_task.id
    assert entry["created_at"]


def test_it_pages_back_through_every_line_with_no_cap(trio, objects_a):
    # given 1,205 lines
    LogLine.objects.bulk_create(
        LogLine(workspace=objects_a.app.workspace, app=objects_a.app, text=f"line {i}") for i in range(1205)
    )
    # when alice pages back 500 at a time
    seen, before = [], None
    while True:
        query = {"app": objects_a.app.id, "limit": 500, **({"before": before} if before else {})}
        body = trio.alice.api.get("/api/v1/logs/", query).json()
        seen = [e["text"] for e in body["results"]] + seen
        before = body["next_before"]
        if before is None:
            break
    # then she saw every line once, in order
    numbered = [t for t in seen if t.startswith("line ")]
    assert numbered == [f"line {i}" for i in range(1205)]


def test_its_tail_repeats_only_young_lines_and_always_moves_on(trio, objects_a):
    # given a settled line and a young one
    settled = _line(objects_a, "settled", age=timedelta(seconds=30))
    young = _line(objects_a, "young")
    query = {"app": objects_a.app.id, "after": str(settled.id - 1)}
    # when a tail reads after the line before the settled one
    body = trio.alice.api.get("/api/v1/logs/", query).json()
    assert [e["text"] for e in body["results"]] == ["settled", "young"]
    # then its cursor does not pass the young line, which the next read gives again
    assert settled.id - 1 <= int(body["cursor"]) < young.id
    again = trio.alice.api.get("/api/v1/logs/", {**query, "after": body["cursor"]}).json()
    assert "young" in [e["text"] for e in again["results"]]
    # and a full page moves the cursor to its last line
    full = trio.alice.api.get("/api/v1/logs/", {**query, "limit": 1}).json()
    assert full["cursor"] == str(settled.id)


def test_it_downloads_every_matching_line_as_text(trio, objects_a, lines):
    response = trio.alice.api.get("/api/v1/logs/download/", {"app": objects_a.app.id, "stream": "stdout"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]

    async def collect():  # streamed as it is read (an async iterator: the server is ASGI)
        return b"".join([chunk async for chunk in response.streaming_content])

    text = async_to_sync(collect)().decode()
    rows = text.splitlines()
    assert len(rows) == 4  # three stdout lines and the walker's
    assert rows[2].endswith(
        f"stdout [{objects_a.app.name}.{objects_a.function.name} {objects_a.task.id}] Loading WEIGHTS"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stream": "stdin"}, "stream"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01T00:00:00Z"}, "until"),  # well formed, but no such month
        ({"since": "2026-12-05T10:00:00Z", "until": "2026-12-05T09:00:00Z"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"after": "abc"}, "after"),
        ({"before": "-1"}, "before"),
        ({"app": "x" * 40}, "app"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_it_refuses_bad_filters_with_the_field(trio, query, field):
    response = trio.alice.api.get("/api/v1/logs/", query)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field


def test_retention_purges_lines_past_its_days_in_batches(objects_a, settings):
    # given 25 lines past a 7-day retention and 3 within it
    settings.SKYLIFT_LOG_RETENTION_DAYS = 7
    LogLine.objects.bulk_create(
        LogLine(
            workspace=objects_a.app.workspace,
            app=objects_a.app,
            text=f"old {i}",
            created_at=timezone.now() - timedelta(days=8),
        )
        for i in range(25)
    )
    for i in range(3):
        _line(objects_a, f"kept {i}", age=timedelta(days=6))
    before = LogLine.objects.count()
    # when the purge runs in batches of 10
    purged = logs.purge(batch=10)
    # then exactly the old ones went, and it knows it is done
    assert purged.rows == 25 and purged.done
    assert LogLine.objects.count() == before - 25
    assert LogLine.objects.filter(text__startswith="kept").count() == 3
    # and a run out of budget says a backlog remains
    LogLine.objects.bulk_create(
        LogLine(
            workspace=objects_a.app.workspace,
            app=objects_a.app,
            text="old again",
            created_at=timezone.now() - timedelta(days=9),
        )
        for _ in range(20)
    )
    partial = logs.purge(batch=10, budget=0)
    assert partial.rows == 10 and not partial.done


def test_a_workspaces_own_retention_decides_for_its_lines(trio, objects_a, settings):
    from apps import services as app_services

    # given the platform keeping 30 days, and workspace a choosing 3 in its settings
    settings.SKYLIFT_LOG_RETENTION_DAYS = 30
    workspace = objects_a.app.workspace
    workspace.log_retention_days = 3
    workspace.save(update_fields=["log_retention_days"])
    other = app_services.app_create(
        workspace=trio.charlie.workspace, user=trio.charlie.user, name="charlie-logs"
    )

    def line(workspace, app, text, days):
        LogLine.objects.create(
            workspace=workspace, app=app, text=text, created_at=timezone.now() - timedelta(days=days)
        )

    line(workspace, objects_a.app, "a, 4 days", 4)
    line(workspace, objects_a.app, "a, 2 days", 2)
    line(other.workspace, other, "b, 4 days", 4)
    line(other.workspace, other, "b, 31 days", 31)
    # when the purge runs
    purged = logs.purge()
    # then each line went by its own workspace's days
    assert purged.rows == 2 and purged.done
    assert sorted(LogLine.objects.filter(text__contains="days").values_list("text", flat=True)) == [
        "a, 2 days",
        "b, 4 days",
    ]
