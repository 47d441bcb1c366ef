"""Deployed apps against the real platform: deploy, call by name, redeploy in place, rollback, stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import skylift
from skylift.exception import NotFoundError

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")
MODAL = str(Path(sys.executable).parent / "modal")  # Skylift's `modal` alias (clients/modal-alias)

APP = textwrap.dedent(
    """
    import time

    import skylift

    app = skylift.App("it-deployed")
    RELEASE = {release!r}


    @app.function(max_containers=4)
    def hello(x: int, pause: float = 0.0) -> str:
        time.sleep(pause)
        return f"{{RELEASE}}:{{x}}"


    @app.cls()
    class Greeter:
        name: str = skylift.parameter(default="world")

        @skylift.method()
        def greet(self) -> str:
            return f"{{RELEASE}} hello {{self.name}}"
    """
)


@pytest.fixture
def cli(platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )

    def run(*args: str, program: str = SKYLIFT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [program, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    return run


def _write(tmp_path: Path, release: str, name: str = "deployed_app.py") -> str:
    path = tmp_path / name
    path.write_text(APP.format(release=release))
    return str(path)


def test_it_deploys_calls_by_name_redeploys_rolls_back_and_stops(platform, cli, tmp_path):
    client = platform.client("alice")
    source = _write(tmp_path, "one")
    # when deployed
    first = cli("deploy", source)
    again = cli("deploy", source)
    # then
    assert first.returncode == 0, first.stderr
    assert "Deployed it-deployed v1" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    # and its functions and classes answer by name, from this process
    hello = skylift.Function.from_name("it-deployed", "hello", client=client)
    greeter = skylift.Cls.from_name("it-deployed", "Greeter", client=client)
    assert hello.remote(1) == "one:1"
    # and the deploy printed the dashboard's page of each function, as get_dashboard_url() gives it
    assert hello.get_dashboard_url() == f"{client.config.server_url}/functions/{hello.object_id}"
    assert f"/functions/{hello.object_id}" in first.stdout
    assert greeter(name="ada").greet.remote() == "one hello ada"

    # when redeployed with other code while a map runs: the map's inputs finish on v1
    _write(tmp_path, "two")
    results: list[str] = []
    mapping = threading.Thread(target=lambda: results.extend(hello.map(range(24), kwargs={"pause": 0.5})))
    mapping.start()
    second = cli("deploy", source, "--tag", "r2")
    mapping.join(timeout=240)
    # then
    assert second.returncode == 0, second.stderr
    assert "v2" in second.stdout
    assert results == [f"one:{i}" for i in range(24)]
    # every input of the app ran once and succeeded
    (runs,) = platform.sql(
        """SELECT count(*) FROM functions_input i JOIN functions_function f ON f.id = i.function_id
            JOIN skylift_apps_app a ON a.id = f.app_id
           WHERE a.name = 'it-deployed' AND (i.status <> 'succeeded' OR i.attempt <> 1)"""
    )[0]
    assert runs == 0
    # and the same handles now call v2
    assert hello.remote(2) == "two:2"
    assert greeter(name="ada").greet.remote() == "two hello ada"

    # when a rollback to v1 is previewed
    preview = cli("app", "rollback", "it-deployed", "v1", "--dry-run")
    # then it shows the changed line and the restore contract, and changes nothing
    assert preview.returncode == 0, preview.stderr
    assert "-RELEASE = 'two'" in preview.stdout and "+RELEASE = 'one'" in preview.stdout
    assert "It does not restore:" in preview.stdout
    assert hello.remote(5) == "two:5"

    # when rolled back to v1
    history = cli("app", "history", "it-deployed", "--json")
    rolled = cli("app", "rollback", "it-deployed", "v1")
    # then
    assert [v["number"] for v in json.loads(history.stdout)] == [2, 1]
    assert json.loads(history.stdout)[0]["tag"] == "r2"
    # each version records the cold starts of its containers
    assert all(v["cold_starts"]["count"] >= 1 for v in json.loads(history.stdout))
    assert json.loads(history.stdout)[0]["cold_starts"]["previous_median"] is not None
    assert rolled.returncode == 0, rolled.stderr
    assert "now v3" in rolled.stdout
    assert hello.remote(3) == "one:3"
    listed = {a["name"]: a for a in json.loads(cli("app", "list", "--json").stdout)}
    assert listed["it-deployed"]["state"] == "deployed"
    assert listed["it-deployed"]["live_version"] == 3

    # when stopped
    stopped = cli("app", "stop", "it-deployed")
    # then
    assert stopped.returncode == 0, stopped.stderr
    with pytest.raises(NotFoundError, match="it-deployed"):
        skylift.Function.from_name("it-deployed", "hello", client=client).remote(4)


def test_it_refuses_bad_deploys_and_lookups_and_keeps_the_live_version(platform, cli, tmp_path):
    client = platform.client("alice")
    source = _write(tmp_path, "kept", name="kept_app.py")
    assert cli("deploy", source, "--name", "it-kept").returncode == 0
    broken = tmp_path / "broken_deploy.py"
    broken.write_text("import skylift\napp = skylift.App('it-kept')\n@app.function(\ndef f(: pass\n")
    two = tmp_path / "two_apps.py"
    two.write_text(
        "import skylift\na = skylift.App('a')\nb = skylift.App('b')\n@a.function()\ndef f(): pass\n"
    )
    # when
    syntax = cli("deploy", str(broken), "--name", "it-kept")
    ambiguous = cli("deploy", str(two))
    no_version = cli("app", "rollback", "it-kept", "v9")
    never = cli("app", "rollback", "it-never-deployed")
    # then
    assert syntax.returncode == 2 and "does not parse" in syntax.stderr
    assert ambiguous.returncode == 2 and "2 apps" in ambiguous.stderr and "two_apps.py::a" in ambiguous.stderr
    assert no_version.returncode == 1 and "has no version v9" in no_version.stderr
    assert never.returncode == 1 and "No deployed app 'it-never-deployed'" in never.stderr
    # and the live version still answers
    assert skylift.Function.from_name("it-kept", "hello", client=client).remote(5) == "kept:5"
    with pytest.raises(NotFoundError, match="'it-kept'.*'nope'"):
        skylift.Function.from_name("it-kept", "nope", client=client).remote()
    with pytest.raises(NotFoundError, match="environment 'staging'"):
        skylift.Function.from_name("it-kept", "hello", environment_name="staging", client=client).remote()


def test_it_deploys_into_an_environment_with_the_modal_command_and_survives_a_failed_build(
    platform, cli, tmp_path
):
    client = platform.client("alice")
    source = _write(tmp_path, "dev", name="env_app.py")
    # when deployed into a new environment, with `modal deploy`
    created = cli("environment", "create", "dev")
    deployed = cli("deploy", source, "--env", "dev", "--name", "it-env", program=MODAL)
    # then it is found there, and only there
    assert created.returncode == 0, created.stderr
    assert deployed.returncode == 0, deployed.stderr
    assert "dev" in {e["name"] for e in json.loads(cli("environment", "list", "--json").stdout)}
    assert (
        skylift.Function.from_name("it-env", "hello", environment_name="dev", client=client).remote(1)
        == "dev:1"
    )
    with pytest.raises(NotFoundError, match="environment 'main'"):
        skylift.Function.from_name("it-env", "hello", client=client).remote(1)
    # when its image fails to build on a redeploy, or its environment is deleted while it runs
    bad = tmp_path / "bad_image.py"
    bad.write_text(
        "import skylift\napp = skylift.App('it-env')\n"
        "@app.function(image=skylift.Image.debian_slim().run_commands('exit 3'))\n"
        "def hello(x: int) -> str:\n    return 'broken'\n"
    )
    failed = cli("deploy", str(bad), "--env", "dev")
    kept = cli("environment", "delete", "dev", "--yes")
    # then both are refused, saying why, and the live version still answers
    assert failed.returncode == 1 and "exit 3" in failed.stdout + failed.stderr
    assert kept.returncode == 1 and "has deployed apps" in kept.stderr
    assert (
        skylift.Function.from_name("it-env", "hello", environment_name="dev", client=client).remote(2)
        == "dev:2"
    )
    versions = json.loads(cli("app", "history", "it-env", "--env", "dev", "--json").stdout)
    assert [v["number"] for v in versions] == [1]


WARM_APP = """
import skylift

app = skylift.App("it-warm")


@app.function(min_containers=1)
def hello() -> str:
    return {release!r}
"""
GONE = """

@app.function(min_containers=1)
def gone() -> str:
    return "gone"
"""


def _tasks(platform, function: str, statuses: tuple[str, ...], *, live_only: bool = True) -> int:
    return platform.sql(
        """SELECT count(*) FROM functions_task t JOIN functions_function f ON f.id = t.function_id
            JOIN skylift_apps_app a ON a.id = f.app_id
           WHERE a.name = 'it-warm' AND f.name = %s AND t.status = ANY(%s)"""
        + (" AND f.retired_at IS NULL" if live_only else ""),
        [function, list(statuses)],
    )[0][0]


def _until(probe, seconds: float = 90.0):
    deadline = time.monotonic() + seconds
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def test_a_warm_app_redeploys_with_no_cold_start_and_a_removed_functions_containers_leave(
    platform, cli, tmp_path
):
    client = platform.client("alice")
    path = tmp_path / "warm_app.py"
    path.write_text(WARM_APP.format(release="one") + GONE)
    first = cli("deploy", str(path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert _until(lambda: _tasks(platform, "hello", ("running",)) and _tasks(platform, "gone", ("running",)))
    # when redeployed with new code and without `gone`
    path.write_text(WARM_APP.format(release="two"))
    second = cli("deploy", str(path))
    # then when the deploy returns, the live version's warm container runs already: no call waits
    # for a cold start
    assert second.returncode == 0, second.stdout + second.stderr
    assert _tasks(platform, "hello", ("running",)) >= 1
    assert skylift.Function.from_name("it-warm", "hello", client=client).remote() == "two"
    # and the removed function's containers leave (after their scale-down window)
    assert _until(
        lambda: _tasks(platform, "gone", ("pending", "starting", "running", "stopping"), live_only=False) == 0
    )
    assert cli("app", "stop", "it-warm").returncode == 0
