"""`.remote()` through the whole platform: real server, real containers."""

from __future__ import annotations

import threading

import pytest

import skylift
from skylift.exception import SerializationError
from tests.fixtures.live_platform import wait_for
from tests.integration import basic_app
from tests.integration.basic_app import CustomError, app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with app.run(client=platform.client("alice")):
        yield platform


def test_it_runs_a_function_in_a_container(running, capfd):
    # when
    result = basic_app.square.remote(7)
    # then
    assert result == 49
    info = basic_app.whoami.remote()
    assert info["remote"] == "1" and info["is_local"] is False
    assert info["task_id"].startswith("ta-")
    assert skylift.is_local()


def test_it_passes_keyword_arguments(running):
    assert basic_app.add.remote(2, b=3) == 5


def test_it_raises_the_remote_exception_locally_with_its_type_and_traceback(running):
    with pytest.raises(CustomError, match="boom") as excinfo:
        basic_app.fails.remote("boom")
    notes = "\n".join(getattr(excinfo.value, "__notes__", []))
    assert "Remote traceback" in notes
    assert "raise CustomError(message)" in notes


def test_it_reports_an_unpicklable_result_and_keeps_serving(running):
    # given a warm container
    first = basic_app.whoami.remote()["task_id"]
    # when a result cannot be pickled (RELIABILITY B4)
    with pytest.raises(SerializationError, match="could not serialize return value of returns_lock"):
        basic_app.returns_lock.remote()
    # then the next input still runs
    assert basic_app.whoami.remote()["task_id"] == first


def test_it_rejects_an_unpicklable_argument_before_submitting(running):
    before = running.sql("SELECT count(*) FROM functions_input")[0][0]
    with pytest.raises(SerializationError, match="argument 'x'"):
        basic_app.square.remote(threading.Lock())
    assert running.sql("SELECT count(*) FROM functions_input")[0][0] == before


def test_it_reuses_a_warm_container(running):
    ids = {basic_app.whoami.remote()["task_id"] for _ in range(5)}
    assert len(ids) == 1


def test_it_stores_the_remote_output_as_log_lines_of_the_call(running):
    # when
    basic_app.square.remote(12)
    # then
    rows = running.sql(
        "SELECT l.text, l.stream, c.id FROM functions_logline l JOIN functions_functioncall c ON c.id = l.call_id "
        "WHERE l.text = 'squaring 12'"
    )
    assert len(rows) == 1
    assert rows[0][1] == "stdout"


def test_it_fails_a_gpu_function_when_no_host_has_that_gpu(running):
    from skylift.exception import ExecutionError

    with pytest.raises(ExecutionError, match="no host of this platform has the GPU 'T4'"):
        basic_app.needs_gpu.remote()


def test_it_labels_containers_and_scales_them_down_when_idle(running):
    # given a function with a 2 s scale-down window that just ran
    task_id = basic_app.short_lived.remote()
    containers = running.containers(task=task_id)
    assert len(containers) == 1
    labels = containers[0]["Config"]["Labels"]
    assert labels["skylift.function"] == basic_app.short_lived.object_id
    assert labels["skylift.app"] == app.app_id
    # when it stays idle, then it leaves by itself and is recorded as scaled down
    status = wait_for(
        lambda: running.sql("SELECT status, cause FROM functions_task WHERE id = %s", [task_id])[0],
        lambda row: row[0] == "stopped",
    )
    assert status == ("stopped", "idle")
    assert wait_for(lambda: running.containers(task=task_id), lambda found: not found) == []
