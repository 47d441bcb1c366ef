"""The build backend (PEP 517) of Skylift's `modal` alias: `pip install ./clients/modal-alias`.

The alias is a distribution named `modal` holding a `modal` package, whose import makes `modal`
another name for `skylift` (skylift._alias), and a `modal` command that is Skylift's CLI. Being
named `modal`, it shares pip's one place per environment with Modal's own package: the two are
never installed side by side with their files mixed, and installing Modal's later replaces the
alias cleanly.

Installing the alias over Modal's would replace Modal's, and pip cannot be told to refuse that:
a wheel runs no code when installed. But pip builds a project from its folder first, before it
uninstalls anything, and runs this backend with the Python of the environment it installs into:
with --no-build-isolation, and under its default build isolation too, which only hides that
environment's site-packages from the build. So the build looks at that environment (the probe
below, run without pip's isolation settings), and when Modal's own `modal` is there, it stops,
saying why: nothing is installed or removed. Installers that build in a separate environment
(uv; pip's opt-in venv isolation) or install elsewhere (--target, --prefix) are outside what it
can see.

It needs nothing but the standard library, so the isolated build installs nothing first.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

NAME = "modal"
LOCAL_LABEL = "skylift"  # what tells the alias from Modal's own `modal`, whatever the number
VERSION = f"0.1.0+{LOCAL_LABEL}"
HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "modal"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"""\
Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Skylift's SDK and CLI under Modal's names: `import modal` and `modal run` use Skylift
Requires-Python: >=3.10
Requires-Dist: skylift
"""
WHEEL = """\
Wheel-Version: 1.0
Generator: skylift modal-alias backend
Root-Is-Purelib: true
Tag: py3-none-any
"""
ENTRY_POINTS = """\
[console_scripts]
modal = skylift.cli:main
"""

# Run by the target environment's Python: the `modal` distributions that `import modal` could find.
_PROBE = """
import importlib.metadata, json
print(json.dumps([[d.version, str(d.locate_file(""))] for d in importlib.metadata.distributions(name="modal")]))
"""


def _modal_in_target() -> list[tuple[str, str]]:
    """Modal's own `modal` distributions (version, folder) in the environment pip installs into."""
    # -E: without PYTHONPATH and PYTHONNOUSERSITE, with which pip's build isolation hides the
    # environment's site-packages; and from an empty folder, so that this project's is not read.
    with tempfile.TemporaryDirectory() as empty:
        probe = subprocess.run(
            [sys.executable, "-E", "-c", _PROBE], capture_output=True, text=True, cwd=empty
        )
    if probe.returncode != 0:
        raise SystemExit(f"Could not check the environment for Modal's own `modal`:\n{probe.stderr}")
    found = json.loads(probe.stdout)
    return [(version, where) for version, where in found if not version.endswith(f"+{LOCAL_LABEL}")]


def _refuse_beside_modal() -> None:
    found = _modal_in_target()
    if found:
        version, where = found[0]
        raise SystemExit(
            f"Skylift's `modal` alias was not installed: this environment has Modal's own `modal` "
            f"package ({version}, in {where}), which the alias would replace. Nothing was changed.\n"
            "Install the alias in a virtual environment of its own, or uninstall Modal's package "
            "first (`pip uninstall modal`)."
        )


def _files() -> dict[str, bytes]:
    """The wheel's files, by path, but RECORD."""
    return {
        "modal/__init__.py": (PACKAGE / "__init__.py").read_bytes(),
        f"{DIST_INFO}/METADATA": METADATA.encode(),
        f"{DIST_INFO}/WHEEL": WHEEL.encode(),
        f"{DIST_INFO}/entry_points.txt": ENTRY_POINTS.encode(),
    }


def _record(files: dict[str, bytes]) -> bytes:
    lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}\n")
    lines.append(f"{DIST_INFO}/RECORD,,\n")
    return "".join(lines).encode()


def get_requires_for_build_wheel(config_settings: dict | None = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: dict | None = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: dict | None = None) -> str:
    _refuse_beside_modal()
    target = Path(metadata_directory) / DIST_INFO
    target.mkdir(parents=True, exist_ok=True)
    for path, data in _files().items():
        if path.startswith(DIST_INFO + "/"):
            (target / path.removeprefix(DIST_INFO + "/")).write_bytes(data)
    return DIST_INFO


def build_wheel(
    wheel_directory: str, config_settings: dict | None = None, metadata_directory: str | None = None
) -> str:
    _refuse_beside_modal()
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = _files()
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in [*files.items(), (f"{DIST_INFO}/RECORD", _record(files))]:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    return name


def build_sdist(sdist_directory: str, config_settings: dict | None = None) -> str:
    base = f"{NAME}-{VERSION}"
    sources = {
        "pyproject.toml": (HERE / "pyproject.toml").read_bytes(),
        "backend.py": Path(__file__).read_bytes(),
        "modal/__init__.py": (PACKAGE / "__init__.py").read_bytes(),
        "PKG-INFO": METADATA.encode(),
    }
    with tarfile.open(os.path.join(sdist_directory, f"{base}.tar.gz"), "w:gz") as sdist:
        for path, data in sources.items():
            info = tarfile.TarInfo(f"{base}/{path}")
            info.size = len(data)
            info.mode = 0o644
            sdist.addfile(info, io.BytesIO(data))
    return f"{base}.tar.gz"
