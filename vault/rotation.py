"""Key rotation and the start-up check: every stored secret must decrypt with the configured keys.

Rotation, with the key in SKYLIFT_SECRETS_KEY: put a new key first (`manage.py secrets_key new`
makes one), restart, run `manage.py secrets_key rotate`, then drop the old key. With the embedded
server's key file, `rotate` does all of it: a new key goes first in the file, every secret is
encrypted again with it, and the old keys leave the file.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

from builds.models import Build
from functions.models import Sandbox

from . import keys
from .models import Secret

log = logging.getLogger(__name__)

__all__ = ["rotate_all", "undecryptable", "verify_at_start"]

BATCH = 500


# Where secret values are stored: each model with its token field.
ENCRYPTED = ((Secret, "ciphertext"), (Build, "secrets_token"), (Sandbox, "secrets_token"))


def undecryptable() -> list[str]:
    """The ids of stored secrets (and builds' secrets) that no configured key decrypts."""
    bad = []
    for model, field in ENCRYPTED:
        rows = model.objects.filter(**{f"{field}__isnull": False}).values_list("id", field)
        for object_id, token in rows.iterator(chunk_size=BATCH):
            try:
                keys.decrypt(bytes(token))
            except keys.KeyMismatch:
                bad.append(object_id)
    return bad


def _write_keys(path: Path, lines: list[str]) -> None:
    temporary = path.with_name(f".{path.name}.rotating.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{k}\n" for k in lines))
    os.replace(temporary, path)


def rotate_all() -> int:
    """Encrypt every stored secret again with the first key (the key file's: a new one). Returns
    how many were encrypted again; raises KeyMismatch, changing nothing more, at one no key reads."""
    path = keys.key_file()
    if path is not None:
        old = keys.keys()
        _write_keys(path, [keys.new_key(), *old])
    count = 0
    for model, field in ENCRYPTED:
        ids = list(model.objects.filter(**{f"{field}__isnull": False}).values_list("id", flat=True))
        count += _rotate_rows(model, field, ids)
    # A process that read the keys before the new one went first may have written a token with
    # the old key meanwhile: encrypt those again too, before the old key goes.
    for model, field in ENCRYPTED:
        rows = model.objects.filter(**{f"{field}__isnull": False}).values_list("id", field)
        stale = [i for i, token in rows.iterator(chunk_size=BATCH) if not keys.first_key_reads(bytes(token))]
        count += _rotate_rows(model, field, stale)
    if path is not None:
        _write_keys(path, keys.keys()[:1])
    return count


def _rotate_rows(model, field: str, ids: list) -> int:
    count = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            rows = model.objects.select_for_update().filter(pk__in=ids[start : start + BATCH])
            for row in rows.exclude(**{f"{field}__isnull": True}):
                setattr(row, field, keys.rotate(bytes(getattr(row, field))))
                row.save(update_fields=[field])
                count += 1
    return count


def verify_at_start() -> None:
    """Refuse to start (ImproperlyConfigured) when a stored secret does not decrypt: a wrong key,
    or one rotated out too soon. Nothing is served half-decrypted. A database not reachable (or
    not migrated yet) is left to the requests that need it."""
    found: list[str] = []
    failure: list[BaseException] = []

    def check() -> None:
        try:
            found.extend(undecryptable())
        except ImproperlyConfigured as exc:  # no key, or one that is no Fernet key
            failure.append(exc)
        except Exception:  # noqa: BLE001 - no database yet: the requests that need it will say so
            log.warning("could not check the secrets key against the database", exc_info=True)
        finally:
            connections.close_all()

    # In a thread: the ASGI server may import the application inside its event loop.
    thread = threading.Thread(target=check, name="secrets-key-check")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    if found:
        shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
        raise ImproperlyConfigured(
            f"{len(found)} stored secrets cannot be decrypted with the configured SKYLIFT_SECRETS_KEY "
            f"({shown}): the key is wrong, or a key was removed before `manage.py secrets_key rotate` "
            "encrypted everything again. Give the old key after the new one (comma-separated)."
        )
