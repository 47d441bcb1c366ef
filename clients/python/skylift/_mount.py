"""User source as content-addressed mounts: containers import functions from it.

A function defined at the top level of a module is imported in the container from an upload
of that module's file (or of its top-level package). Only what cannot be imported (a function
defined inside another, in a notebook, or with `serialized=True`) is cloudpickled.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cloudpickle

__all__ = ["Source", "forget_sources", "function_source", "pack_files"]

MAX_MOUNT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    module: str
    qualname: str
    mount_sha256: str | None = None
    mount_content: bytes | None = None
    serialized: bytes | None = None

    @property
    def mount(self) -> tuple[str, bytes] | None:
        """The upload the container imports it from, (sha256, tar); None when it is cloudpickled."""
        if self.mount_sha256 is None or self.mount_content is None:
            return None
        return self.mount_sha256, self.mount_content


def pack_files(files: list[tuple[str, Path]]) -> bytes:
    """A reproducible tar: same files, same bytes, same hash."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for arcname, path in sorted(files):
            data = path.read_bytes()
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.mode, info.uid, info.gid = len(data), 0, 0o644, 0, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _module_files(module_name: str, file: Path) -> list[tuple[str, Path]]:
    top = module_name.split(".")[0]
    if "." not in module_name and file.name != "__init__.py":
        return [(f"{top}.py", file)]
    # A package: upload the top-level package's Python files.
    root = file.parent
    for _ in range(module_name.count(".") + (1 if file.name == "__init__.py" else 0) - 1):
        root = root.parent
    return [
        (str(Path(top) / p.relative_to(root)), p) for p in root.rglob("*.py") if "__pycache__" not in p.parts
    ]


# Packed sources, by module and the state of its files: a function's module is packed once per
# run, and again once its files change (`skylift serve`, a script that deploys after an edit).
_cache: dict[tuple[str, tuple[tuple[str, int, int], ...]], tuple[str, bytes]] = {}


def _stat(name: str, file: Path) -> tuple[str, int, int]:
    found = file.stat()
    return name, found.st_mtime_ns, found.st_size


def forget_sources() -> None:
    """Pack modules again when next asked for (`skylift serve` after a change): their files changed."""
    _cache.clear()


def function_source(f: object, *, serialized: bool = False) -> Source:
    module_name = getattr(f, "__module__", None) or "__main__"
    qualname = getattr(f, "__qualname__", getattr(f, "__name__", "f"))
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if serialized or "<locals>" in qualname or "<lambda>" in qualname or not file:
        return Source(module=module_name, qualname=qualname, serialized=cloudpickle.dumps(f))
    path = Path(file).resolve()
    if module_name == "__main__":
        module_name = path.stem
    files = _module_files(module_name, path)
    key = (module_name, tuple(_stat(name, file) for name, file in files))
    if key not in _cache:
        content = pack_files(files)
        if len(content) > MAX_MOUNT_BYTES:
            from ._exceptions import InvalidError

            raise InvalidError(f"the source of {module_name} is over {MAX_MOUNT_BYTES // 2**20} MiB")
        _cache[key] = (hashlib.sha256(content).hexdigest(), content)
    sha, content = _cache[key]
    return Source(module=module_name, qualname=qualname, mount_sha256=sha, mount_content=content)
