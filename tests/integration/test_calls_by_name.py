"""Calls that name a deployed function instead of giving its id: `Function.from_name(...).remote()`
with no lookup first. The fast path finds the function in the call's own statement; what it cannot
find (an unknown app, function or environment, a web endpoint) Django answers, naming what is wrong."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cloudpickle
import httpx
import pytest

import skylift
from skylift.exception import InvalidError, NotFoundError

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")
APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("it-named")


    @app.function()
    def double(x: int) -> int:
        return 2 * x


    @app.function()
    @skylift.fastapi_endpoint()
    def page(x: int) -> dict:
        return {"x": x}
    """
)


@pytest.fixture(scope="module")
def deployed(platform, tmp_path_factory):
    folder = tmp_path_factory.mktemp("named")
    (folder / "named_app.py").write_text(APP)
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(folder / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    done = subprocess.run(
        [SKYLIFT, "deploy", "named_app.py"], env=env, cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return platform


def _post(platform, **target) -> httpx.Response:
    blob = base64.b64encode(cloudpickle.dumps(((21,), {}))).decode()
    return httpx.post(
        f"{platform.url}/api/v1/calls/",
        headers=platform.users["alice"].headers,
        timeout=60,
        json={**target, "kind": "remote", "inputs": [blob], "wait": 30},
    )


def test_a_call_by_name_runs_the_live_function_on_the_fast_path(deployed):
    client = deployed.client("alice")
    live = client.function_lookup("it-named", "double", environment=None)["id"]
    # when
    by_name = _post(deployed, app_name="it-named", function_name="double")
    in_main = _post(deployed, app_name="it-named", function_name="double", environment="main")
    # then: accepted by the fast path, as a call of the live version's function, and answered
    for response in (by_name, in_main):
        assert response.status_code == 201, response.text
        assert response.headers["x-skylift-path"] == "fast"
        assert response.json()["call"]["function_id"] == live
        assert cloudpickle.loads(base64.b64decode(response.json()["outputs"][0]["result"])) == 42
    # and a handle looked up by name calls it without describing it first (one request)
    handle = skylift.Function.from_name("it-named", "double", client=client)
    assert handle.remote(4) == 8
    assert handle.spawn(5).get() == 10
    assert handle._description is None
    # and what needs the description still looks it up
    assert handle.is_generator is False and handle.object_id == live


def test_a_call_by_a_name_that_is_not_there_says_what_is_missing(deployed):
    # when
    no_function = _post(deployed, app_name="it-named", function_name="nope")
    no_app = _post(deployed, app_name="it-never", function_name="double")
    no_environment = _post(deployed, app_name="it-named", function_name="double", environment="staging")
    both = _post(deployed, function_id="fu-x", app_name="it-named", function_name="double")
    half = _post(deployed, app_name="it-named")
    web = _post(deployed, app_name="it-named", function_name="page")
    # then: Django's answers, naming the app, the function and the environment
    assert no_function.status_code == 404
    assert (
        "'it-named' (environment 'main') has no function or class 'nope'"
        in no_function.json()["error"]["message"]
    )
    assert no_app.status_code == 404
    assert "No deployed app 'it-never' in the environment 'main'" in no_app.json()["error"]["message"]
    assert no_environment.status_code == 404 and "'staging'" in no_environment.json()["error"]["message"]
    assert both.status_code == 400 and both.json()["error"]["field"] == "app_name"
    assert half.status_code == 400 and half.json()["error"]["field"] == "function_name"
    assert web.status_code == 400 and "web endpoint" in web.json()["error"]["message"]
    # and the SDK raises them as before
    client = deployed.client("alice")
    with pytest.raises(NotFoundError, match="'it-named'.*'nope'"):
        skylift.Function.from_name("it-named", "nope", client=client).remote(1)
    with pytest.raises(NotFoundError, match="environment 'staging'"):
        skylift.Function.from_name("it-named", "double", environment_name="staging", client=client).spawn(1)
    with pytest.raises(InvalidError, match="web endpoint"):
        skylift.Function.from_name("it-named", "page", client=client).remote(1)
    # nothing was accepted for any of them
    (calls,) = deployed.sql(
        """SELECT count(*) FROM functions_functioncall c JOIN functions_function f ON f.id = c.function_id
            JOIN skylift_apps_app a ON a.id = f.app_id WHERE a.name = 'it-named' AND f.name = 'page'"""
    )[0]
    assert calls == 0
