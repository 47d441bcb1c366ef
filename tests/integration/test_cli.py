"""The CLI against a running platform: tokens and profiles, `skylift run FILE::NAME`."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env["SKYLIFT_CONFIG_PATH"] = str(tmp_path / "skylift.toml")
    return env


def _skylift(env, *args):
    return subprocess.run([SKYLIFT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_it_signs_in_creates_a_token_and_saves_a_profile(platform, cli_env, tmp_path):
    alice = platform.users["alice"]
    # when
    made = _skylift(
        cli_env,
        "token",
        "new",
        "--username",
        "alice",
        f"--password={alice.password}",
        "--server-url",
        platform.url,
        "--profile",
        "it",
    )
    # then
    assert made.returncode == 0, made.stderr
    profile = tomllib.loads((tmp_path / "skylift.toml").read_text())["it"]
    assert profile["server_url"] == platform.url
    assert profile["token_id"].startswith("ak-")
    assert profile["active"] is True
    assert oct((tmp_path / "skylift.toml").stat().st_mode & 0o777) == "0o600"
    # and the saved profile runs a function
    ran = _skylift(cli_env, "run", "tests/integration/basic_app.py::add", "--a", "2", "--b", "40")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "42"


def test_it_refuses_a_wrong_password(platform, cli_env):
    made = _skylift(
        cli_env, "token", "new", "--username", "alice", "--password=wrong", "--server-url", platform.url
    )
    assert made.returncode == 1
    assert "Wrong username or password" in made.stderr


def test_it_saves_a_given_token_and_reports_a_revoked_one(platform, cli_env):
    alice = platform.users["alice"]
    saved = _skylift(
        cli_env,
        "token",
        "set",
        "--token-id",
        alice.token_id,
        "--token-secret",
        "as-wrong",
        "--server-url",
        platform.url,
    )
    assert saved.returncode == 0
    ran = _skylift(cli_env, "run", "tests/integration/basic_app.py::add", "--a", "1")
    assert ran.returncode == 1
    assert "AuthError" in ran.stderr
    assert "skylift token new" in ran.stderr


def test_it_lists_the_choices_for_an_unknown_name(platform, cli_env):
    ran = _skylift(cli_env, "run", "tests/integration/basic_app.py::nope")
    assert ran.returncode == 2
    assert "'nope' is not a local entrypoint or function" in ran.stderr
    assert "square" in ran.stderr


def test_it_prints_the_containers_output_unless_quiet(platform, cli_env):
    # given alice's credentials (app.run() alone is quiet, as Modal's; `skylift run` is not, as `modal run`)
    alice = platform.users["alice"]
    cli_env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    # when
    shown = _skylift(cli_env, "run", "tests/integration/basic_app.py::square", "--x", "7")
    quiet = _skylift(cli_env, "run", "-q", "tests/integration/basic_app.py::square", "--x", "8")
    # then
    assert shown.returncode == 0, shown.stderr
    assert "squaring 7" in shown.stdout + shown.stderr
    assert shown.stdout.strip().splitlines()[-1] == "49"
    assert quiet.returncode == 0, quiet.stderr
    assert "squaring 8" not in quiet.stdout + quiet.stderr
    assert quiet.stdout.strip() == "64"
