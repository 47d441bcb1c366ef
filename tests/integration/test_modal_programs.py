"""Programs written for Modal (`import modal`, not `skylift`) run unchanged against the real
platform: with `skylift run`, and with the `modal` command of Skylift's alias (which `make setup`
installs in .venv, as README's tour does in a user's environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(platform, tmp_path, command: str, *args: str) -> subprocess.CompletedProcess:
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKYLIFT_", "MODAL_"))}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    return subprocess.run(
        [str(BIN / command), "run", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_it_runs_a_modal_program_whose_container_gets_skylift_as_modal_and_modals_variables(
    platform, tmp_path
):
    # when
    ran = _run(platform, tmp_path, "skylift", "tests/integration/modal_program.py")
    # then
    assert ran.returncode == 0, ran.stdout + ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    identity = {
        "modal_is_skylift": True,
        "same_modules": [True, True],
        "same_error": True,
        "caught": "raised under skylift's name",
        "app": True,
    }
    assert seen["local"] == identity
    remote = seen["remote"]
    assert {k: remote[k] for k in identity} == identity
    assert remote["caught_locally"] == "raised remotely under modal's name"
    assert remote["prepared"] == "prepared with modal\n"
    # and the container had Modal's variables, naming its own task and image
    task_id = remote["skylift_env"]["SKYLIFT_TASK_ID"]
    [(image_id,)] = platform.sql(
        "SELECT f.image_id FROM functions_task t JOIN functions_function f ON f.id = t.function_id "
        "WHERE t.id = %s",
        [task_id],
    )
    # (and its OIDC identity token, a JWT: tests/integration/test_secrets.py verifies one)
    assert remote["modal_env"].pop("MODAL_IDENTITY_TOKEN").count(".") == 2
    assert remote["modal_env"] == {
        "MODAL_IS_REMOTE": "1",
        "MODAL_TASK_ID": task_id,
        "MODAL_IMAGE_ID": image_id,
        "MODAL_ENVIRONMENT": "main",
        "MODAL_CLOUD_PROVIDER": "skylift",
        "MODAL_REGION": "local",
    }


def test_the_readmes_modal_program_runs_with_the_modal_command(platform, tmp_path):
    ran = _run(platform, tmp_path, "modal", "examples/modal_hello.py", "--x", "9")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert [line for line in lines if line.startswith("squaring 9 in container ")] != []  # its print
    [result] = [line for line in lines if line.startswith("9² = 81")]
    assert result.startswith("9² = 81, computed in a container on Python 3.")
    assert result.endswith("(remote=True)")
