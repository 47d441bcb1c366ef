"""Functions and a class the image tests run in containers of images they build.

Plain (undecorated) on purpose: each test registers them on an App with the image it builds,
and the containers import them from this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import skylift


def read(path: str) -> str | None:
    p = Path(path)
    return p.read_text() if p.exists() else None


def env(name: str) -> str | None:
    return os.environ.get(name)


def write_marker(content: str = "run_function was here") -> None:
    """Used by Image.run_function: what it writes is kept in the next layer."""
    Path("/opt/marker.txt").write_text(content + "\n")
    print("marker written")


def shared_libraries() -> list[str]:
    """The shared libraries this process has mapped."""
    with open("/proc/self/maps") as maps:
        return sorted({line.split()[-1] for line in maps if ".so" in line})


def ca_certificates() -> int:
    """How many CA certificates a default TLS context trusts."""
    import ssl

    return len(ssl.create_default_context().get_ca_certs())


def import_six() -> str:
    import six

    return six.__version__


class Model:
    """@build downloads "weights" into the image; @enter loads them when a container starts."""

    @skylift.build()
    def download(self) -> None:
        Path("/opt/model").mkdir(parents=True, exist_ok=True)
        Path("/opt/model/weights.txt").write_text("weights v1\n")

    @skylift.build()
    @skylift.enter()
    def stacked(self) -> None:
        # Runs during the build (kept in the image) and again at container start.
        Path("/opt/model/stacked.txt").write_text("stacked\n")
        self.stacked_ran = True

    @skylift.enter()
    def load(self) -> None:
        self.weights = Path("/opt/model/weights.txt").read_text().strip()

    @skylift.method()
    def predict(self, x: str) -> str:
        return f"{self.weights}/{getattr(self, 'stacked_ran', False)}/{x}"


def python_version() -> str:
    import platform

    return platform.python_version()


def distil_from_volume() -> None:
    """Used by Image.run_function with a volume at /vol: reads "weights" from the volume, keeps a
    file made from them in the image, and leaves a file in the volume."""
    weights = Path("/vol/weights.txt").read_text()
    Path("/opt/distilled.txt").write_text(weights.upper())
    Path("/vol/seen-by-build.txt").write_text("built")


def conda_info() -> dict:
    """Where the function's Python comes from, on an Image.micromamba() image."""
    import sys

    import six
    import skylift_conda_demo

    return {
        "executable": sys.executable,
        "prefix": sys.prefix,
        "conda_prefix": os.environ.get("CONDA_PREFIX"),
        "greeting": skylift_conda_demo.GREETING,
        "six": six.__file__,
    }
