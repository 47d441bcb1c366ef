"""The dashboard's toolchain: it calls the API only through the TypeScript client package, and its
unit tests pass (the package's drift test is tests/clients/test_typescript_client.py)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


@pytest.fixture(scope="module")
def npm_installed() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "vitest").exists():
        pytest.fail("frontend/node_modules is missing: run platform/scripts/frontend.sh (`make test` does).")


def test_it_calls_the_api_only_through_the_client_package():
    # The package (clients/typescript) owns the requests; the dashboard configures it and re-exports.
    sources = {path: path.read_text() for path in (FRONTEND / "src").rglob("*.ts*")}
    assert [str(p.relative_to(FRONTEND)) for p, text in sources.items() if "fetch(" in text] == []
    client = sources[FRONTEND / "src" / "api" / "client.ts"]
    assert 'from "@skylift/client"' in client
    assert "export const api = createClient();" in client


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
        if raw_html.search(path.read_text())
    ]
    assert offenders == []
