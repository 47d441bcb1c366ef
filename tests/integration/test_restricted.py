"""Restricted functions (`restrict_modal_access=True`) against the real platform: the container
runs its own inputs and outputs and nothing else; each attempt to reach another platform object
(a Dict, a Queue, the Volume API, a secret, a lookup, a child call) raises AuthError, and it gets
no identity token. A function without the option reaches the same objects (the control)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import skylift

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")

PROGRAM = textwrap.dedent(
    """
    import json
    import os

    import skylift

    app = skylift.App("it-restricted")


    @app.function()
    def helper() -> str:
        return "helped"


    def probes() -> dict:
        attempts = {
            "dict": lambda: skylift.Dict.from_name("it-restricted-dict", create_if_missing=True).put("k", 1),
            "queue": lambda: skylift.Queue.from_name("it-restricted-queue", create_if_missing=True).put(1),
            "lookup": lambda: skylift.Function.from_name("it-restricted", "helper").remote(),
            "child_call": lambda: helper.remote(),
            "secret": lambda: skylift.Secret.from_name("it-restricted-secret").info(),
            "volume": lambda: skylift.Volume.from_name("it-restricted-volume").listdir("/"),
        }
        seen = {}
        for name, attempt in attempts.items():
            try:
                attempt()
                seen[name] = "allowed"
            except Exception as exc:
                seen[name] = f"{type(exc).__name__}: {exc}"
        seen["identity_token"] = "SKYLIFT_IDENTITY_TOKEN" in os.environ
        return seen


    @app.function(restrict_modal_access=True, max_inputs=1, timeout=60, block_network=True)
    def untrusted(code: str) -> dict:
        scope = {}
        exec(code, scope)
        return {"result": scope.get("result"), "probes": probes()}


    @app.function()
    def trusted() -> dict:
        return probes()


    @app.local_entrypoint()
    def main():
        print(json.dumps({
            "untrusted": untrusted.remote("result = sum(range(10))"),
            "mapped": [r["result"] for r in untrusted.map(["result = 1", "result = 2"])],
            "trusted": trusted.remote(),
        }))
    """
)


def test_a_restricted_function_runs_its_inputs_and_reaches_nothing_else(platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    # given a secret and a volume the workspace has
    assert cli("secret", "create", "it-restricted-secret", "TOKEN=x").returncode == 0
    assert cli("volume", "create", "it-restricted-volume").returncode == 0
    (tmp_path / "restricted_app.py").write_text(PROGRAM)
    # when
    ran = cli("run", "restricted_app.py")
    # then its own work is done
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [seen] = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    assert seen["untrusted"]["result"] == 45
    assert seen["mapped"] == [1, 2]
    # and every other platform object refuses it, with AuthError
    probes = seen["untrusted"]["probes"]
    assert probes.pop("identity_token") is False
    assert sorted(probes) == ["child_call", "dict", "lookup", "queue", "secret", "volume"]
    assert {name: outcome.split(":")[0] for name, outcome in probes.items()} == dict.fromkeys(
        probes, "AuthError"
    )
    assert all("restrict_modal_access=True" in outcome for outcome in probes.values())
    # while the same probes from a function without the option get through (or fail for their own reasons)
    control = seen["trusted"]
    assert control.pop("identity_token") is True
    assert control["dict"] == control["queue"] == "allowed"
    assert control["child_call"] == "allowed"
    assert control["lookup"].startswith("NotFoundError: No deployed app 'it-restricted'")  # it asked
    assert not [o for o in control.values() if o.startswith("AuthError")]
    # and nothing was created by the restricted one (the queue is the trusted control's)
    assert platform.sql("SELECT count(*) FROM state_queue WHERE name = 'it-restricted-queue'")[0][0] == 1
    # (the platform is shared: what the control made goes)
    client = platform.client("alice")
    skylift.Dict.objects.delete("it-restricted-dict", client=client)
    skylift.Queue.objects.delete("it-restricted-queue", client=client)
    assert cli("secret", "delete", "it-restricted-secret", "--yes").returncode == 0
    assert cli("volume", "delete", "it-restricted-volume", "--yes").returncode == 0
