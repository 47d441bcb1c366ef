"""`skylift server start | status | stop` and `skylift run` as a new user meets them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")
HOST_LABELS = ("skylift.host", "skylift.build-host")  # functions' containers, build network holders


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text().lower()


@pytest.fixture
def isolated_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKYLIFT_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        {"SKYLIFT_DATA_DIR": str(tmp_path / "server"), "SKYLIFT_CONFIG_PATH": str(tmp_path / "skylift.toml")}
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _run(env, *args, timeout=300):
    return subprocess.run(
        [SKYLIFT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def _processes_of(data_dir: Path) -> list[str]:
    """Command lines of the processes started with this data directory in their environment."""
    marker = f"SKYLIFT_DATA_DIR={data_dir}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass  # gone meanwhile, or not ours to read
    return found


def _containers(host_name: str) -> dict[str, str]:
    """name -> state of every container labelled with the platform's host name."""
    import docker

    api = docker.from_env().api
    found = {}
    for label in HOST_LABELS:
        for c in api.containers(all=True, filters={"label": f"{label}={host_name}"}):
            found[c["Names"][0].lstrip("/")] = c["State"]
    return found


def _a_function_and_a_holder_run(found: dict[str, str]) -> bool:
    running = [name for name, state in found.items() if state == "running"]
    return (
        any(n.startswith("skylift-ta-") for n in running)
        and any(n.startswith("skylift-buildnet-") for n in running)
        # a sandbox, and at least one pooled sandbox container beside it
        and sum(n.startswith("skylift-sb-") for n in running) >= 2
    )


def test_it_starts_runs_hello_and_stops_everything_it_started(isolated_env, tmp_path):
    port = _free_port()
    # when
    started = _run(isolated_env, "server", "start", "--background", "--port", str(port))
    try:
        # then
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{port}/" in started.stdout
        assert "as 'admin' with password" in started.stdout
        state = json.loads((tmp_path / "server" / "state.json").read_text())
        assert _run(isolated_env, "server", "status").returncode == 0
        ran = _run(isolated_env, "run", "examples/hello.py", "--x", "9")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "9² = 81, computed in a container" in ran.stdout
        assert "squaring 9 in container" in ran.stdout  # the remote print streamed back
        # when a part of the platform dies (the Celery worker: autoscaler, reconciler)
        killed = state["children"]["worker"]
        os.kill(killed, signal.SIGKILL)
        # then the supervisor starts it again, and the platform serves on
        for _ in range(300):
            state = json.loads((tmp_path / "server" / "state.json").read_text())
            if state["children"]["worker"] != killed and _alive(state["children"]["worker"]):
                break
            time.sleep(0.1)
        assert state["children"]["worker"] != killed
        again = _run(isolated_env, "run", "examples/hello.py", "--x", "4")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "4² = 16" in again.stdout
        # when a detached app built an image with a step and leaves a call running
        left = subprocess.run(
            [sys.executable, "-c", "from tests.integration.embedded_leftovers_app import main; main()"],
            env=isolated_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert left.returncode == 0, left.stdout + left.stderr
        # (a function's container, its workspace's build network holder, a sandbox and its pool)
        running = wait_for(lambda: _containers(state["host_name"]), _a_function_and_a_holder_run)
        assert _a_function_and_a_holder_run(running), running
    finally:
        stopped = _run(isolated_env, "server", "stop")
    assert stopped.returncode == 0, stopped.stderr
    # then nothing labelled with its host outlives the platform
    assert _containers(state["host_name"]) == {}
    pids = [state["supervisor"], state["redis"]["pid"], *state["children"].values()]
    assert not [pid for pid in pids if _alive(pid)]
    # nor does any process it started, down to the children of the worker killed above
    assert _processes_of(tmp_path / "server") == []
    pg_pid = tmp_path / "server" / "pg" / "postmaster.pid"
    assert not pg_pid.exists()
    assert _run(isolated_env, "server", "status").returncode == 3


def test_it_says_how_to_fix_a_missing_docker_engine(isolated_env):
    isolated_env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    started = _run(isolated_env, "server", "start", "--background", "--port", str(_free_port()))
    assert started.returncode == 1
    assert "No Docker engine answers" in started.stderr
    assert "dockerd" in started.stderr


def test_it_says_where_it_looked_when_no_server_answers(isolated_env):
    isolated_env.update(
        {
            "SKYLIFT_SERVER_URL": f"http://127.0.0.1:{_free_port()}",
            "SKYLIFT_TOKEN_ID": "ak-x",
            "SKYLIFT_TOKEN_SECRET": "as-x",
        }
    )
    ran = _run(isolated_env, "run", "examples/hello.py")
    assert ran.returncode == 1
    assert "Could not reach a Skylift server at http://127.0.0.1:" in ran.stderr
    assert "skylift server start" in ran.stderr


def test_it_says_how_to_get_a_token_when_there_is_none(isolated_env):
    ran = _run(isolated_env, "run", "examples/hello.py")
    assert ran.returncode == 1
    assert "No Skylift token configured" in ran.stderr
    assert "skylift token new" in ran.stderr
