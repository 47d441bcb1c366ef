"""Blob storage for large payloads: arguments and results above a threshold live here, not in rows.

Content-addressed files under SKYLIFT_BLOB_DIR, written atomically. The control plane and the
host agents of one machine share the directory; a multi-host platform points it at shared storage
(an S3-compatible backend is the planned alternative). Payloads stay opaque bytes.

A blob lives as long as a row refers to it: the retention job (`functions.retention`) collects the
blobs of expired rows that no other row refers to (`collect`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

__all__ = ["THRESHOLD", "collect", "keys", "load", "remove_leftovers", "store"]

# Payloads larger than this leave the database rows (which stay small and fast to scan).
THRESHOLD = 256 * 1024


def _root() -> Path:
    return Path(settings.SKYLIFT_BLOB_DIR)


_KEY_CHARS = frozenset("0123456789abcdef")


def _path(key: str) -> Path:
    if len(key) != 64 or not _KEY_CHARS.issuperset(key):
        raise ValueError(f"not a blob key: {key[:80]!r}")
    return _root() / key[:2] / key


def store(data: bytes) -> str:
    """Keep `data`; returns its key (its sha256). Storing the same bytes twice is harmless."""
    key = hashlib.sha256(data).hexdigest()
    path = _path(key)
    try:
        # Already there (the same bytes): mark it as stored now, which keeps `collect` off it
        # until this caller's row, which will refer to it, is committed.
        os.utime(path)
        return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return key


def load(key: str) -> bytes:
    return _path(key).read_bytes()


def collect(key: str, *, grace: float) -> bool:
    """Delete the blob `key`, which no committed row refers to, unless it was stored in the last
    `grace` seconds; True when it was deleted.

    The race it closes: a request stores bytes that are already there (`store` finds the file and
    touches it) and commits its row later, while this check found no row. So the file is first
    renamed out of its place, then its modification time is read: a `store` that touched it did so
    before the rename (a later one finds no file and writes it anew), and then the time is recent
    and the file goes back. `grace` must exceed the time from a `store` to its row's commit. (Only
    a crash between the rename and the check could lose a blob stored again in that instant.)
    """
    path = _path(key)
    doomed = path.with_name(f".gc-{key}-{secrets.token_hex(4)}")
    try:
        os.rename(path, doomed)
    except FileNotFoundError:
        return False  # collected already (another run), or never written
    if time.time() - doomed.stat().st_mtime < grace:
        os.rename(doomed, path)  # a `store` meanwhile wrote the same bytes there: either copy will do
        return False
    doomed.unlink()
    return True


def _files(prefix: str = "") -> Iterator[os.DirEntry]:
    root = _root()
    if not root.is_dir():
        return
    for shard in os.scandir(root):
        if shard.is_dir() and len(shard.name) == 2:
            for entry in os.scandir(shard.path):
                if entry.name.startswith(prefix):
                    yield entry


def _older(entry: os.DirEntry, seconds: float) -> bool:
    try:
        return time.time() - entry.stat().st_mtime >= seconds
    except FileNotFoundError:
        return False  # removed meanwhile


def keys(*, older_than: float) -> Iterator[str]:
    """Keys of the stored blobs last stored at least `older_than` seconds ago."""
    for entry in _files():
        if len(entry.name) == 64 and _KEY_CHARS.issuperset(entry.name) and _older(entry, older_than):
            yield entry.name


def remove_leftovers(*, older_than: float) -> int:
    """Remove what interrupted writes (`.tmp-`) and collections (`.gc-`) left behind that long ago."""
    removed = 0
    for entry in _files("."):
        if entry.name.startswith((".tmp-", ".gc-")) and _older(entry, older_than):
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed
