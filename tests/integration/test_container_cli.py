"""`skylift container list | logs | exec | stop` against a real container of a running app: exec
carries stdin, stdout, stderr and the exit code through the host agent (the sandbox exec path),
and with --pty runs the command in a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.live_platform import wait_for
from tests.integration.container_app import app, square

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture
def skylift(platform, tmp_path):
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        who = platform.users["alice"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
        env.update(
            SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
            SKYLIFT_SERVER_URL=platform.url,
            SKYLIFT_TOKEN_ID=who.token_id,
            SKYLIFT_TOKEN_SECRET=who.token_secret,
        )
        return subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, input=stdin
        )

    return run


def test_a_container_is_listed_read_exec_d_into_and_stopped(platform, skylift):
    with app.run(client=platform.client("alice")):
        # given a container of the app that printed a line
        assert square.remote(7) == 49
        # when alice lists the live containers
        listed = skylift("container", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        # then the function's container is there with its app, host and resources
        (mine,) = [
            c for c in json.loads(listed.stdout) if c["app"] == "it-container" and c["function"] == "square"
        ]
        task_id = mine["id"]
        assert mine["host"] and mine["memory"] > 0 and mine["cpu"] > 0
        # and its logs have the line it printed
        logs = skylift("container", "logs", task_id)
        assert logs.returncode == 0, logs.stderr
        assert "squaring 7" in logs.stdout.splitlines()
        # when a command runs in it, with stdin piped
        ran = skylift(
            "container",
            "exec",
            task_id,
            "sh",
            "-c",
            "cat; echo to-stderr >&2; echo $SKYLIFT_TASK_ID; exit 4",
            stdin="from stdin\n",
        )
        # then its stdin, output, error and exit code came through, from that very container
        assert ran.returncode == 4, ran.stderr
        assert ran.stdout.splitlines() == ["from stdin", task_id]
        assert "to-stderr" in ran.stderr
        # and without --pty it has no terminal; with it, it has one
        plain = skylift("container", "exec", task_id, "sh", "-c", "tty; exit 0")
        assert plain.stdout.strip() == "not a tty"
        pty = skylift("container", "exec", "--pty", task_id, "sh", "-c", "tty; echo oops >&2; exit 3")
        assert pty.returncode == 3, pty.stderr
        assert pty.stdout.splitlines()[0].startswith("/dev/pts/")
        assert "oops" in pty.stdout  # a terminal has one output stream
        # and a container that does not exist is said to be missing
        missing = skylift("container", "exec", "ta-doesnotexist", "true")
        assert missing.returncode != 0
        assert "not found" in (missing.stderr + missing.stdout).lower()
        # when alice stops it
        stopped = skylift("container", "stop", task_id)
        assert stopped.returncode == 0, stopped.stderr
        # then it leaves the live list
        wait_for(
            lambda: skylift("container", "list", "--json").stdout,
            lambda out: task_id not in out,
            attempts=300,
        )
