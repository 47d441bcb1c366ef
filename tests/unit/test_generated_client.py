"""The SDK's low-level client and the committed schema match the server (no drift)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _tree_diff(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    diffs = [str(Path(a.name) / f) for f in cmp.left_only + cmp.right_only + cmp.diff_files]
    for sub in cmp.common_dirs:
        diffs += _tree_diff(a / sub, b / sub)
    return diffs


def test_it_commits_the_schema_the_server_generates(tmp_path):
    out = tmp_path / "schema.yml"
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(out), "--validate", "--fail-on-warn"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert out.read_text() == (REPO / "schema.yml").read_text(), (
        "schema.yml is stale: run platform/scripts/generate-clients.sh"
    )


def test_it_commits_the_client_generated_from_the_schema(tmp_path):
    target = tmp_path / "_api"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(REPO / "schema.yml"),
            "--config",
            str(REPO / "clients/python/openapi-config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(target),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert _tree_diff(REPO / "clients/python/skylift/_api", target) == [], (
        "clients/python/skylift/_api is stale: run platform/scripts/generate-clients.sh"
    )
