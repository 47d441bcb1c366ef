"""The TypeScript client package (clients/typescript): its types match schema.yml, it packs and
installs as a package, and a Node program uses it with an API token against the real platform."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests

from skylift._import_file import import_file

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "clients" / "typescript"
SCHEMA_TYPES = PACKAGE / "src" / "schema.ts"
PROGRAM = Path(__file__).with_name("node_program.mjs")


def _run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", **kwargs.pop("env", {})}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env, **kwargs)


@pytest.fixture(scope="module")
def npm_installed() -> None:
    if not (PACKAGE / "node_modules" / ".bin" / "openapi-typescript").exists():
        pytest.fail(
            "clients/typescript/node_modules is missing: run platform/scripts/typescript-client.sh "
            "(`make test` does)."
        )


@pytest.fixture(scope="module")
def installed(npm_installed, tmp_path_factory) -> Path:
    """A Node project with @skylift/client installed from the tarball `npm pack` makes."""
    packs = tmp_path_factory.mktemp("packs")
    packed = _run(["npm", "pack", "--pack-destination", str(packs)], cwd=PACKAGE)  # builds it first
    assert packed.returncode == 0, packed.stdout[-4000:] + packed.stderr[-4000:]
    (tarball,) = packs.glob("*.tgz")
    project = tmp_path_factory.mktemp("node-project")
    (project / "package.json").write_text(
        json.dumps({"name": "uses-skylift", "private": True, "type": "module"})
    )
    result = _run(["npm", "install", "--offline", "--no-audit", "--no-fund", str(tarball)], cwd=project)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project


def test_it_keeps_the_client_types_in_step_with_the_schema(npm_installed, tmp_path):
    # when
    out = tmp_path / "schema.ts"
    result = _run(
        ["npx", "--no-install", "openapi-typescript", "../../schema.yml", "-o", str(out)], cwd=PACKAGE
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text() == SCHEMA_TYPES.read_text(), (
        "clients/typescript/src/schema.ts is out of date: run platform/scripts/generate-clients.sh"
    )


def test_it_packs_the_built_client_and_its_types(installed):
    # then what a project gets is the compiled ESM and its declarations, not the sources
    package = installed / "node_modules" / "@skylift" / "client"
    files = sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file())
    assert {"dist/index.js", "dist/index.d.ts", "dist/schema.d.ts", "package.json"} <= set(files)
    assert [f for f in files if f.startswith("src/")] == []


APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("ts-node-app")


    @app.function()
    def hello() -> str:
        return "hello"
    """
)


@pytest.mark.integration
def test_a_node_program_lists_apps_and_uses_a_dict_with_an_api_token(platform, installed, tmp_path):
    # given a workspace of its own with one deployed app (deployed by the Python SDK)
    user = platform.create_user("ts-node", "ts-node")
    source = tmp_path / "ts_node_app.py"
    source.write_text(APP)
    import_file(str(source)).app.deploy(client=platform.client("ts-node"))
    program = installed / "program.mjs"
    program.write_text(PROGRAM.read_text())

    # when a Node program uses the package with the user's API token
    result = _run(
        ["node", str(program), "from-node"],
        cwd=installed,
        env={
            "SKYLIFT_SERVER_URL": platform.url,
            "SKYLIFT_TOKEN_ID": user.token_id,
            "SKYLIFT_TOKEN_SECRET": user.token_secret,
        },
    )

    # then it saw the app, made the Dict, wrote and read its entry, and got the API's errors
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = json.loads(result.stdout)
    assert out["apps"] == ["ts-node-app"]
    assert out["dict"]["name"] == "from-node"
    assert out["written"] == {"written": 1}
    assert out["found"] == {"found": True, "value": "hello from node"}
    assert out["listed"] == [out["dict"]["id"]]
    assert out["missing"]["status"] == 404
    assert out["missing"]["code"] == "not_found"
    assert out["stranger"]["status"] == 401

    # and the server holds what the program wrote, as seen over plain HTTP
    entries = requests.get(
        f"{platform.url}/api/v1/dicts/{out['dict']['id']}/entries/", headers=user.headers, timeout=30
    )
    assert entries.status_code == 200, entries.text
    assert [e["key_preview"] for e in entries.json()["entries"]] == ["greeting"]
