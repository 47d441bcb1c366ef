"""`.remote()` through the whole platform: real server, real containers."""

from __future__ import annotations

import threading

import pytest

import skylift
from skylift.exception import SerializationError
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
