"""Uploaded files (a content-addressed tar) unpacked on a host, once, for whoever needs them."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path


def extract_once(content: bytes, target: Path) -> Path:
    """Unpack the tar `content` at `target` unless it is there already, atomically: concurrent
    callers each unpack beside it and rename, and the first rename wins."""
    if target.exists():
        return target
    staging = target.with_name(f".{target.name}.{os.urandom(4).hex()}")
    staging.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:") as tar:
        tar.extractall(staging, filter="data")
    try:
        staging.rename(target)
    except OSError:  # another caller unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return target
