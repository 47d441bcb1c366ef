"""The dashboard's toolchain: generated types match schema.yml, and its unit tests pass."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SCHEMA_TYPES = FRONTEND / "src" / "api" / "schema.d.ts"


@pytest.fixture(scope="module")
def npm_installed() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "openapi-typescript").exists():
        pytest.fail("frontend/node_modules is missing: run platform/scripts/frontend.sh (`make test` does).")


def test_it_keeps_the_dashboard_types_in_step_with_the_schema(npm_installed, tmp_path):
    # when
    out = tmp_path / "schema.d.ts"
    result = subprocess.run(
        ["npx", "--no-install", "openapi-typescript", "../schema.yml", "-o", str(out)],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text() == SCHEMA_TYPES.read_text(), (
        "frontend/src/api/schema.d.ts is out of date: run platform/scripts/generate-clients.sh"
    )


def test_it_passes_the_dashboard_unit_tests(npm_installed):
    # when
    result = subprocess.run(
        ["npm", "test"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true", "NO_COLOR": "1"},
    )
    # then
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert re.search(r"Tests\s+\d+ passed", result.stdout), result.stdout[-4000:]


def test_it_never_writes_html_from_strings():
    # React escapes what it renders; these are the ways around that.
    raw_html = re.compile(
        r"dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write"
    )
    offenders = [
        str(path.relative_to(FRONTEND))
        for path in (FRONTEND / "src").rglob("*.ts*")
        if path != SCHEMA_TYPES and raw_html.search(path.read_text())
    ]
    assert offenders == []
