"""`skylift workspace proxy-tokens …` (and `skylift proxy-token …`) against the running platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture
def skylift(platform, tmp_path):
    def run(*args: str, user: str = "alice") -> subprocess.CompletedProcess[str]:
        who = platform.users[user]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
        env.update(
            SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
            SKYLIFT_SERVER_URL=platform.url,
            SKYLIFT_TOKEN_ID=who.token_id,
            SKYLIFT_TOKEN_SECRET=who.token_secret,
        )
        return subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )

    return run


def _listed(skylift, key: str) -> dict:
    listed = skylift("workspace", "proxy-tokens", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (found,) = [t for t in json.loads(listed.stdout) if t["id"] == key]
    return found


def test_an_owner_creates_lists_and_revokes_a_proxy_token(platform, skylift):
    # when alice creates a token
    created = skylift("workspace", "proxy-tokens", "create", "--name", "cli test")
    # then its key and secret are printed, this once
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    key, secret = lines["Skylift-Key"], lines["Skylift-Secret"]
    assert key.startswith("wk-") and secret.startswith("ws-")
    # and the list shows it, active, by the short name of the group too, never with its secret
    found = _listed(skylift, key)
    assert found["name"] == "cli test" and found["created_by"] == "alice" and found["revoked_at"] is None
    table = skylift("proxy-token", "list")
    assert table.returncode == 0, table.stderr
    assert key in table.stdout and secret not in table.stdout + json.dumps(found)
    # and the database holds only the secret's hash
    [(stored,)] = platform.sql("SELECT secret_hash FROM web_proxytoken WHERE id = %s", [key])
    assert secret not in stored
    # when she revokes it
    revoked = skylift("proxy-token", "revoke", key)
    # then it is listed as revoked
    assert revoked.returncode == 0, revoked.stderr
    assert f"Revoked proxy token {key}." in revoked.stdout
    assert _listed(skylift, key)["revoked_at"] is not None
    # and deleting takes it off the list
    assert skylift("workspace", "proxy-tokens", "delete", key, "--yes").returncode == 0
    listed = skylift("workspace", "proxy-tokens", "list", "--json")
    assert key not in listed.stdout


def test_a_member_may_list_but_not_create_and_unknown_keys_are_clear(skylift):
    # when bob, a member, creates a token
    refused = skylift("workspace", "proxy-tokens", "create", user="bob")
    # then he is told which role it needs
    assert refused.returncode == 1
    assert "owner or admin" in refused.stderr and "is member" in refused.stderr
    # and he may list them
    assert skylift("workspace", "proxy-tokens", "list", user="bob").returncode == 0
    # and revoking a key that names no token says so
    missing = skylift("proxy-token", "revoke", "wk-doesnotexist")
    assert missing.returncode == 1 and "NotFoundError" in missing.stderr
    # and the workspace commands Skylift lacks say so
    members = skylift("workspace", "members", "list")
    assert members.returncode == 2 and "is not supported yet" in members.stderr
