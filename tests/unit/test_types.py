"""Types: mypy passes over the server and the SDK, and the SDK's public API types what users write.

`make lint` runs the same first check. mypy's cache is under .cache/mypy, so a run after a
small change takes seconds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TYPING = Path(__file__).resolve().parent / "sdk_types"
SDK = REPO / "clients" / "python" / "skylift"
# Checked as the server is, not strictly: the in-container runtime and the CLI.
NOT_STRICT = {
    "skylift._container",
    "skylift._build_runner",
    "skylift._web_runtime",
    "skylift.cli",
    "skylift._cli_apps",
    "skylift._cli_billing",
    "skylift._cli_secrets",
    "skylift._cli_state",
    "skylift._cli_sandbox",
    "skylift._cli_shell",
    "skylift._cli_container",
    "skylift._cli_logs",
    "skylift._cli_group",
    "skylift._cli_workspace",
}


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_it_passes_mypy_over_the_server_and_the_sdk():
    result = _mypy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_types_the_sdk_as_its_users_write_it():
    # assert_type() on every way of calling: .remote/.local/.spawn/.map and their .aio, classes
    result = _mypy(str(TYPING / "sdk_usage.py"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_wrong_calls_and_options_with_the_error_each_line_expects():
    source = TYPING / "sdk_misuse.py"
    expected = {
        (n, m.group(1))
        for n, line in enumerate(source.read_text().splitlines(), start=1)
        if (m := re.search(r"# E: ([a-z-]+)$", line))
    }
    # when
    result = _mypy(str(source))
    # then
    found = {
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r"^[^:\n]+:(\d+): error: .*\[([a-z-]+)\]$", result.stdout, re.MULTILINE)
    }
    assert len(expected) == 10
    assert found == expected, result.stdout


def test_it_checks_every_sdk_module_strictly_but_the_runtime_and_the_cli():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    strict = next(
        set(o["module"])
        for o in config["overrides"]
        if o.get("disallow_untyped_defs") and "skylift" in o["module"]
    )
    modules = {
        ".".join(("skylift", *path.relative_to(SDK).with_suffix("").parts)).removesuffix(".__init__")
        for path in SDK.rglob("*.py")
        if "_api" not in path.relative_to(SDK).parts
    }
    assert strict == modules - NOT_STRICT


def test_it_ships_the_py_typed_marker_in_the_sdk_wheel(tmp_path):
    # given a copy of the SDK's source (a build leaves files behind)
    source = tmp_path / "python"
    shutil.copytree(SDK.parent, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    # when
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("skylift-*.whl")
    assert "skylift/py.typed" in zipfile.ZipFile(wheel).namelist()
