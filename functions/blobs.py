"""Blob storage for large payloads: arguments and results above a threshold live here, not in rows.

Content-addressed files under SKYLIFT_BLOB_DIR, written atomically. The control plane and the
host agents of one machine share the directory; a multi-host platform points it at shared storage
(an S3-compatible backend is the planned alternative). Payloads stay opaque bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

__all__ = ["THRESHOLD", "load", "store"]

# Payloads larger than this leave the database rows (which stay small and fast to scan).
THRESHOLD = 256 * 1024


def _root() -> Path:
    return Path(settings.SKYLIFT_BLOB_DIR)


def _path(key: str) -> Path:
    if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
        raise ValueError(f"not a blob key: {key[:80]!r}")
    return _root() / key[:2] / key


def store(data: bytes) -> str:
    """Keep `data`; returns its key (its sha256). Storing the same bytes twice is harmless."""
    key = hashlib.sha256(data).hexdigest()
    path = _path(key)
    if path.exists():
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return key


def load(key: str) -> bytes:
    return _path(key).read_bytes()
