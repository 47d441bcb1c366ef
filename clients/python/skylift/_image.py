"""Container images. The foundation provides the Debian base; build steps come with the images issue."""

from __future__ import annotations

import sys

from ._exceptions import InvalidError

__all__ = ["Image"]


class Image:
    """A description of a container image, resolved and built by the server."""

    def __init__(self, spec: dict):
        self._spec = spec

    @staticmethod
    def debian_slim(python_version: str | None = None) -> Image:
        """The default image: Debian with Python (the client's minor version by default)."""
        if python_version is not None:
            parts = str(python_version).split(".")
            if len(parts) < 2 or not all(p.isdigit() for p in parts):
                raise InvalidError(f"python_version must look like '3.11', got {python_version!r}")
            python_version = ".".join(parts[:2])
        return Image({"base": "debian_slim", "python_version": python_version or ""})

    def to_spec(self) -> dict:
        spec = dict(self._spec)
        if not spec.get("python_version"):
            spec.pop("python_version", None)
        return spec

    def __repr__(self) -> str:
        return f"Image({self._spec})"


def client_python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"
