"""Skylift's `modal` alias installed with pip, as its users install it (clients/modal-alias).

Each test makes a virtual environment and installs with pip's defaults (build isolation among
them): the alias builds with the standard library alone, so nothing is fetched. The environment
finds the SDK and pip through a .pth line (the SDK's source folder, and this environment's
site-packages), as tests/unit/test_packaging.py does. Modal's own `modal` is a small wheel made
here, under Modal's names: a `modal` distribution with a `modal` package and a `modal` command.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALIAS = REPO / "clients" / "modal-alias"


def _environment(where: Path) -> Path:
    """A fresh virtual environment that finds the SDK's source and pip. Returns its python."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lines = [str(REPO / "clients" / "python"), sysconfig.get_paths()["purelib"]]
    (Path(site) / "dependencies.pth").write_text("\n".join(lines) + "\n")
    return python


def _pip_install(python: Path, *what: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
        + [str(w) for w in what],
        capture_output=True,
        text=True,
        cwd=python.parent,
    )


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=Path(args[0]).parent)


def _modals_own_wheel(where: Path) -> Path:
    """A wheel standing for Modal's: distribution `modal` 1.5.4, its package, its `modal` command."""
    info = "modal-1.5.4.dist-info"
    files = {
        "modal/__init__.py": b"MADE_BY = 'Modal'\n",
        "modal/__main__.py": b"def main():\n    print('the CLI of Modal')\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: modal\nVersion: 1.5.4\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": b"[console_scripts]\nmodal = modal.__main__:main\n",
    }
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for path, data in files.items()
    )
    wheel = where / "modal-1.5.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return wheel


SAME_OBJECTS = """
import importlib.util, sysconfig
assert importlib.util.find_spec("modal").origin == sysconfig.get_paths()["purelib"] + "/modal/__init__.py"
import sys
import modal, modal.exception, modal.experimental, skylift, skylift._exceptions
from modal import App, Image
from modal.exception import NotFoundError
assert modal is skylift and sys.modules["modal.exception"] is sys.modules["skylift.exception"]
assert NotFoundError is skylift._exceptions.NotFoundError
assert (App, Image) == (skylift._app.App, skylift._image.Image)
import importlib.metadata
print(importlib.metadata.version("modal"))
"""


def test_it_makes_import_modal_skylifts_sdk_and_the_modal_command_skylifts_cli(tmp_path):
    python = _environment(tmp_path / "venv")
    # when
    installed = _pip_install(python, ALIAS)
    # then
    assert installed.returncode == 0, installed.stdout + installed.stderr
    imported = _run(python, "-c", SAME_OBJECTS)
    assert (imported.returncode, imported.stdout) == (0, "0.1.0+skylift\n"), imported.stderr
    helped = _run(python.parent / "modal", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith(
        "Usage: modal [OPTIONS] COMMAND [ARGS]...\n\n  Skylift: run Python functions"
    )
    assert {"run", "server", "token", "volume"} <= {
        line.split()[0] for line in helped.stdout.split("Commands:\n")[1].splitlines() if line.strip()
    }


def test_it_refuses_beside_modals_own_package_saying_why_and_changes_nothing(tmp_path):
    # given an environment with Modal's own modal
    python = _environment(tmp_path / "venv")
    assert _pip_install(python, _modals_own_wheel(tmp_path)).returncode == 0
    site = next((tmp_path / "venv" / "lib").glob("python*/site-packages"))
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "venv").rglob("*") if p.is_file()}
    # when the alias is installed there
    refused = _pip_install(python, ALIAS)
    # then pip stops with the reason
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert (
        f"Skylift's `modal` alias was not installed: this environment has Modal's own `modal` package "
        f"(1.5.4, in {site}), which the alias would replace. Nothing was changed."
    ) in said, refused.stderr
    assert "uninstall Modal's package first (`pip uninstall modal`)" in said
    # and every file of the environment is as it was: Modal's package and command work
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "venv").rglob("*") if p.is_file()}
    assert after == before
    assert _run(python, "-c", "import modal; print(modal.MADE_BY)").stdout == "Modal\n"
    assert _run(python.parent / "modal").stdout == "the CLI of Modal\n"


def test_modals_own_package_installed_later_replaces_the_alias_whole(tmp_path):
    # given an environment with the alias
    python = _environment(tmp_path / "venv")
    assert _pip_install(python, ALIAS).returncode == 0
    # when Modal's own modal is installed there
    installed = _pip_install(python, _modals_own_wheel(tmp_path))
    # then pip takes the alias out first (one `modal` distribution): nothing of it is left
    assert installed.returncode == 0, installed.stderr
    assert "Successfully uninstalled modal-0.1.0+skylift" in installed.stdout
    assert _run(python, "-c", "import modal; print(modal.MADE_BY)").stdout == "Modal\n"
    assert _run(python.parent / "modal").stdout == "the CLI of Modal\n"
