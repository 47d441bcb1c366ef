"""Calls from any language against the real platform (the requests curl would send, made with httpx),
and FunctionCall.from_id in a process other than the one that spawned the call."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

import skylift

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")

APP = textwrap.dedent(
    """
    import datetime

    import skylift

    app = skylift.App("it-json")


    @app.function()
    def add(a, b=0, unit="m"):
        return {"sum": a + b, "unit": unit}


    @app.function()
    def when():
        return {"at": datetime.datetime(2026, 1, 1)}


    @app.function()
    def boom():
        raise ValueError("no such thing")


    @app.cls()
    class Counter:
        start: int = skylift.parameter(default=0)

        @skylift.method()
        def plus(self, n):
            return self.start + n
    """
)


def _env(platform, user: str = "alice") -> dict[str, str]:
    alice = platform.users[user]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    return env


@pytest.fixture(scope="module")
def deployed(platform, tmp_path_factory):
    folder = tmp_path_factory.mktemp("json_app")
    (folder / "json_app.py").write_text(APP)
    done = subprocess.run(
        [SKYLIFT, "deploy", "json_app.py"],
        env={**_env(platform), "SKYLIFT_CONFIG_PATH": str(folder / "skylift.toml")},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return "it-json"


@pytest.fixture
def http(platform):
    with httpx.Client(base_url=platform.url, headers=platform.users["alice"].headers, timeout=120) as client:
        yield client


def test_it_calls_functions_with_json_and_answers_their_results_as_json(deployed, http):
    # when (curl -X POST -H 'Authorization: Bearer ...' -d '{"args": [2], ...}' .../call)
    added = http.post(f"/api/v1/apps/{deployed}/functions/add/call", json={"args": [2], "kwargs": {"b": 3}})
    counted = http.post(
        f"/api/v1/apps/{deployed}/functions/Counter.plus/call", json={"args": [1], "params": {"start": 40}}
    )
    # then
    assert added.status_code == 200, added.text
    assert added.json()["result"] == {"sum": 5, "unit": "m"}
    assert added.json()["status"] == "succeeded"
    assert counted.status_code == 200, counted.text
    assert counted.json()["result"] == 41

    # when the result is not JSON, or the function raises
    when = http.post(f"/api/v1/apps/{deployed}/functions/when/call", json={})
    boom = http.post(f"/api/v1/apps/{deployed}/functions/boom/call", json={})
    # then 406 names the type and where it is; 422 says what the function raised
    assert when.status_code == 406, when.text
    assert when.json()["error"]["code"] == "not_json"
    assert "datetime.datetime at result['at']" in when.json()["error"]["message"]
    assert boom.status_code == 422, boom.text
    assert "ValueError: no such thing" in boom.json()["error"]["message"]

    # when spawned, the result is read later, by its id
    spawned = http.post(
        f"/api/v1/apps/{deployed}/functions/add/spawn", json={"args": [7], "kwargs": {"unit": "s"}}
    )
    assert spawned.status_code == 202, spawned.text
    result = http.get(spawned.json()["result_url"], params={"timeout": 50})
    assert result.status_code == 200, result.text
    assert result.json()["result"] == {"sum": 7, "unit": "s"}


def test_function_call_from_id_reads_a_call_spawned_by_another_process(platform, deployed, http):
    # given a call spawned by the SDK here, and a JSON call spawned over HTTP
    add = skylift.Function.from_name(deployed, "add", client=platform.client("alice"))
    sdk_call = add.spawn(20, b=1)
    json_call = http.post(f"/api/v1/apps/{deployed}/functions/add/spawn", json={"args": [5]}).json()[
        "call_id"
    ]
    program = (
        "import sys, skylift\n"
        "for call_id in sys.argv[1:]:\n"
        "    print(skylift.FunctionCall.from_id(call_id).get(timeout=120))\n"
    )
    # when another process reads both by their ids
    done = subprocess.run(
        [sys.executable, "-c", program, sdk_call.object_id, json_call],
        env=_env(platform),
        capture_output=True,
        text=True,
        timeout=180,
    )
    # then it gets their results
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["{'sum': 21, 'unit': 'm'}", "{'sum': 5, 'unit': 'm'}"]
    # and the SDK's call, read as JSON, says it is not one
    pickled = http.get(f"/api/v1/calls/{sdk_call.object_id}/result/")
    assert pickled.status_code == 406, pickled.text
    assert "cloudpickled" in pickled.json()["error"]["message"]
