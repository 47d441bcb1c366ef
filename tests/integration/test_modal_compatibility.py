"""A Modal program that uses what Skylift lacks fails where it uses it, with the name of the
feature and "not supported yet", before anything is created on the server; the same program
without it runs (docs/modal-compatibility.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")
PROGRAM = "tests/integration/modal_compat_program.py"


def _run(platform, uses: str) -> subprocess.CompletedProcess:
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
        MODAL_PROGRAM_USES=uses,
    )
    return subprocess.run(
        [SKYLIFT, "run", PROGRAM, "--x", "9"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def _apps(platform) -> int:
    return platform.sql("SELECT count(*) FROM skylift_apps_app WHERE name = 'it-modal-program'")[0][0]


@pytest.mark.parametrize(
    ("uses", "named"),
    [
        ("tunnel", "forward is not supported yet by Skylift"),
        ("region", "The option region= is not supported yet by Skylift"),
    ],
)
def test_it_refuses_an_unsupported_feature_by_name_before_creating_anything(platform, uses, named):
    # given
    before = _apps(platform)
    # when
    ran = _run(platform, uses)
    # then the run fails with the feature's name, not a traceback
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"skylift: InvalidError: {named}" in ran.stderr
    assert "Traceback" not in ran.stderr
    # and nothing was created on the server
    assert _apps(platform) == before


def test_it_runs_the_program_that_gives_modals_options_their_defaults(platform):
    # when
    ran = _run(platform, "")
    # then
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "81"
