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

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")


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
    finally:
        stopped = _run(isolated_env, "server", "stop")
    assert stopped.returncode == 0, stopped.stderr
    pids = [state["supervisor"], state["redis"]["pid"], *state["children"].values()]
    assert not [pid for pid in pids if _alive(pid)]
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
