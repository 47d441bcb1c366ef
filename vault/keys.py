"""The secrets key: Fernet keys from SKYLIFT_SECRETS_KEY (or the embedded server's key file), and the
one place values are encrypted and decrypted.

cryptography's Fernet is authenticated encryption (AES-128-CBC with an HMAC-SHA256 over it) with
a timestamped token format, and MultiFernet decrypts with any of several keys and re-encrypts with
the first: so a key is rotated by putting a new one first, re-encrypting every token
(`manage.py secrets_key rotate`), then dropping the old one.

Keys: `SKYLIFT_SECRETS_KEY` is a comma-separated list, the key that encrypts first. Without it
(development, tests, the embedded server) they are read from `SKYLIFT_SECRETS_KEY_FILE`, one per
line, which is made with a fresh key (mode 0600) the first time it is needed. Production settings
refuse to start without SKYLIFT_SECRETS_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "KeyMismatch",
    "content_digest",
    "decrypt",
    "encrypt",
    "key_file",
    "keys",
    "new_key",
]


class KeyMismatch(Exception):
    """A token that none of the configured keys decrypts: a wrong key, or one rotated out too soon."""


_lock = threading.Lock()
_cached: tuple[tuple[str, ...], MultiFernet] | None = None


def new_key() -> str:
    return Fernet.generate_key().decode()


def key_file() -> Path | None:
    """The file the keys are kept in, when SKYLIFT_SECRETS_KEY does not give them."""
    if settings.SKYLIFT_SECRETS_KEY:
        return None
    path = settings.SKYLIFT_SECRETS_KEY_FILE
    if not path:
        raise ImproperlyConfigured(
            "SKYLIFT_SECRETS_KEY is not set. Make one with `manage.py secrets_key new` and set it "
            "in the environment of every control-plane process and host agent."
        )
    return Path(path)


def _read_or_make(path: Path) -> list[str]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a process that loses the race
        # reads the winner's complete file, never a half-written one.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def keys() -> list[str]:
    """The configured keys, the one that encrypts first."""
    if settings.SKYLIFT_SECRETS_KEY:
        return [k.strip() for k in settings.SKYLIFT_SECRETS_KEY.split(",") if k.strip()]
    path = key_file()
    assert path is not None
    return _read_or_make(path)


def _fernet() -> MultiFernet:
    global _cached
    configured = tuple(keys())
    with _lock:
        if _cached is None or _cached[0] != configured:
            try:
                _cached = configured, MultiFernet([Fernet(k.encode()) for k in configured])
            except (ValueError, TypeError):
                raise ImproperlyConfigured(
                    "SKYLIFT_SECRETS_KEY holds a key that is not a Fernet key (32 url-safe base64 "
                    "bytes). Make one with `manage.py secrets_key new`."
                ) from None
        return _cached[1]


def encrypt(values: dict[str, Any]) -> bytes:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode())


def decrypt(token: bytes) -> dict[str, Any]:
    try:
        return json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken:
        raise KeyMismatch(
            "a secret cannot be decrypted with the configured SKYLIFT_SECRETS_KEY: a wrong key, or "
            "the key it was encrypted with was removed before `manage.py secrets_key rotate` ran"
        ) from None


def rotate(token: bytes) -> bytes:
    """The same values, encrypted with the first key."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken:
        raise KeyMismatch("a secret cannot be decrypted with any configured key") from None


def first_key_reads(token: bytes) -> bool:
    """Whether the first key alone decrypts `token` (what rotation leaves every token with)."""
    try:
        Fernet(keys()[0].encode()).decrypt(bytes(token))
    except InvalidToken:
        return False
    return True


def content_digest(values: dict[str, str]) -> str:
    """A keyed hash of some values: the same inline secret sent again is found without decrypting."""
    key = hashlib.sha256(b"skylift inline secret\0" + keys()[0].encode()).digest()
    return hmac.new(key, json.dumps(values, sort_keys=True).encode(), hashlib.sha256).hexdigest()
