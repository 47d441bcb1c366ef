"""Volumes: named folders whose files outlive containers, mounted by functions and build steps.

    vol = skylift.Volume.from_name("weights", create_if_missing=True)

    @app.function(volumes={"/weights": vol})
    def train(): ...

A volume's files live on the platform's shared storage, so what one container writes is there at
once for every other container and for the API: `commit()` and `reload()` are accepted for
Modal's API and have nothing to wait for.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from ._context import check_not_restricted
from ._exceptions import InvalidError, NotFoundError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["FileEntry", "FileEntryType", "Volume", "volume_mounts"]


class FileEntryType(enum.IntEnum):
    UNSPECIFIED = 0
    FILE = 1
    DIRECTORY = 2
    SYMLINK = 3
    FIFO = 4
    SOCKET = 5


_TYPES = {"file": FileEntryType.FILE, "directory": FileEntryType.DIRECTORY, "symlink": FileEntryType.SYMLINK}


@dataclass(frozen=True)
class FileEntry:
    path: str
    type: FileEntryType
    mtime: float
    size: int


def _in_container() -> bool:
    return os.environ.get("SKYLIFT_IS_REMOTE") == "1"


class Volume:
    """A handle on a volume; `from_name` looks it up (or creates it) the first time it is used."""

    def __init__(
        self, name: str | None, *, object_id: str | None = None, create_if_missing: bool = False
    ) -> None:
        self.name = name
        self._object_id = object_id
        self._create_if_missing = create_if_missing
        self._client: Client | None = None

    # Finding one ----------------------------------------------------------------------------

    @staticmethod
    def from_name(
        name: str,
        *,
        environment_name: str | None = None,
        create_if_missing: bool = False,
        version: int | None = None,
    ) -> Volume:
        """The volume of this name in the workspace, looked up when first used (lazily)."""
        if not isinstance(name, str) or not name:
            raise InvalidError("Volume.from_name needs the volume's name")
        if version not in (None, 1, 2):
            raise InvalidError(f"version must be 1 or 2, got {version!r}")
        return Volume(name, create_if_missing=create_if_missing)

    @staticmethod
    def from_id(volume_id: str) -> Volume:
        if not isinstance(volume_id, str) or not volume_id.startswith("vo-"):
            raise InvalidError(f"not a volume id: {volume_id!r}")
        return Volume(None, object_id=volume_id)

    @staticmethod
    def lookup(name: str, *, create_if_missing: bool = False, client: Client | None = None) -> Volume:
        """`from_name`, looked up now."""
        return Volume.from_name(name, create_if_missing=create_if_missing).hydrate(client)

    @staticmethod
    def delete(name: str, *, client: Client | None = None) -> None:
        """Delete the volume of this name and every file in it."""
        volume = Volume.lookup(name, client=client)
        volume._api().volume_delete(volume.object_id)

    @staticmethod
    @contextlib.contextmanager
    def ephemeral(*, client: Client | None = None) -> Iterator[Volume]:
        """A new volume that is deleted, with its files, when the block ends."""
        volume = Volume(f"ephemeral-{uuid.uuid4().hex[:16]}", create_if_missing=True).hydrate(client)
        try:
            yield volume
        finally:
            volume._api().volume_delete(volume.object_id)

    def hydrate(self, client: Client | None = None) -> Volume:
        """Look the volume up on the server (creating it with create_if_missing); returns self."""
        if client is not None:
            self._client = client
        if self._object_id is not None:
            return self
        name = self.name
        if name is None:
            raise InvalidError("a Volume needs a name (Volume.from_name) or an id (Volume.from_id)")
        api = self._api()
        found = api.volume_lookup(name)
        if found is None and self._create_if_missing:
            try:
                found = api.volume_create(name)
            except InvalidError:
                found = api.volume_lookup(name)  # created meanwhile by someone else (409)
                if found is None:
                    raise  # the name itself was refused
        if found is None:
            raise NotFoundError(
                f"Volume {self.name!r} not found in this workspace. Create it with "
                f"`skylift volume create {self.name}` or Volume.from_name({self.name!r}, create_if_missing=True)."
            )
        self._object_id = found["id"]
        return self

    @property
    def object_id(self) -> str:
        object_id = self.hydrate()._object_id
        assert object_id is not None  # hydrate() found it or raised
        return object_id

    def get_dashboard_url(self) -> str:
        """The volume's page in the dashboard (a folder-by-folder browser of its files)."""
        from ._dashboard import dashboard_url

        return dashboard_url(self._client, "volume", self.object_id)

    def _api(self) -> Client:
        check_not_restricted()
        if _in_container():
            raise InvalidError(
                "Inside a container, use a volume through the path it is mounted at "
                "(e.g. open('/data/file')); its API calls work from outside."
            )
        if self._client is None:
            from ._client import Client

            self._client = Client.from_env()
        return self._client

    # Files ----------------------------------------------------------------------------------

    def commit(self) -> None:
        """Make this container's writes durable. They are visible to others as soon as they are made."""
        if _in_container():
            os.sync()

    def reload(self) -> None:
        """See other containers' writes: they are visible at once, so there is nothing to fetch."""

    def listdir(self, path: str = "/", *, recursive: bool = False) -> list[FileEntry]:
        """The entries of a folder of the volume (everything below it when recursive)."""
        return list(self.iterdir(path, recursive=recursive))

    def iterdir(self, path: str = "/", *, recursive: bool = True) -> Iterator[FileEntry]:
        for entry in self._api().volume_files(self.object_id, path, recursive=recursive):
            yield FileEntry(
                path=entry["path"],
                type=_TYPES.get(entry["type"], FileEntryType.UNSPECIFIED),
                mtime=entry["mtime"],
                size=entry["size"],
            )

    def read_file(self, path: str) -> Iterator[bytes]:
        """The bytes of one file, in chunks."""
        return self._api().volume_read(self.object_id, path)

    def read_file_into_fileobj(self, path: str, fileobj: BinaryIO) -> int:
        written = 0
        for chunk in self.read_file(path):
            fileobj.write(chunk)
            written += len(chunk)
        return written

    def remove_file(self, path: str, recursive: bool = False) -> None:
        """Remove a file, or a folder with everything in it when recursive."""
        self._api().volume_remove(self.object_id, path, recursive=recursive)

    def batch_upload(self, force: bool = False) -> _BatchUpload:
        """Upload files in one go: `with vol.batch_upload() as batch: batch.put_file(...)`.

        Nothing is written unless all of it can be; without `force`, a file that exists fails it.
        """
        return _BatchUpload(self, force)

    def __repr__(self) -> str:
        return f"Volume({self.name or self._object_id!r})"


class _BatchUpload:
    def __init__(self, volume: Volume, force: bool) -> None:
        self.volume, self.force = volume, force
        self._files: list[tuple[str, Path | bytes | None]] = []  # None: an empty folder

    def __enter__(self) -> _BatchUpload:
        return self

    def put_file(self, local_file: str | Path | BinaryIO, remote_path: str | PurePosixPath) -> None:
        remote = _remote(remote_path)
        if not isinstance(local_file, (str, os.PathLike)):
            self._files.append((remote, local_file.read()))  # an open binary file
            return
        local = Path(local_file)
        if not local.is_file():
            raise FileNotFoundError(f"no such file: {local}")
        self._files.append((remote, local))

    def put_directory(self, local_path: str | Path, remote_path: str | PurePosixPath = "/") -> None:
        """Everything below a local folder (links are followed: what they point to is sent)."""
        local = Path(local_path)
        if not local.is_dir():
            raise FileNotFoundError(f"no such directory: {local}")
        base = str(remote_path).strip("/")  # "/" is the volume's root
        for path in sorted(local.rglob("*")):
            remote = f"{base}/{path.relative_to(local).as_posix()}".lstrip("/")
            if path.is_file():
                self._files.append((remote, path))
            elif path.is_dir() and not any(path.iterdir()):
                self._files.append((remote, None))

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None or not self._files:
            return
        with tempfile.TemporaryFile() as spool:
            with tarfile.open(fileobj=spool, mode="w") as tar:
                for remote, source in self._files:
                    if source is None:
                        info = tarfile.TarInfo(remote)
                        info.type, info.mode = tarfile.DIRTYPE, 0o755
                        tar.addfile(info)
                    elif isinstance(source, bytes):
                        info = tarfile.TarInfo(remote)
                        info.size = len(source)
                        tar.addfile(info, io.BytesIO(source))
                    else:
                        # dereference: a link (as in Hugging Face caches) is sent as its file
                        with source.open("rb") as handle:
                            info = tar.gettarinfo(fileobj=handle, arcname=remote)
                            tar.addfile(info, handle)
            self.volume._api().volume_upload(self.volume.object_id, spool, overwrite=self.force)


def _remote(path: str | PurePosixPath) -> str:
    text = str(path).lstrip("/")
    if not text:
        raise InvalidError("a remote path names a file in the volume, e.g. /data/x.bin")
    return text


def volume_mounts(volumes: object) -> dict[str, Volume]:
    """Check `volumes={"/path": Volume}` of a function or build step."""
    if volumes is None:
        return {}
    if not isinstance(volumes, dict):
        raise InvalidError('volumes must be a dict of mount paths to Volumes, e.g. {"/data": volume}')
    out: dict[str, Volume] = {}
    for path, volume in volumes.items():
        if not isinstance(path, (str, PurePosixPath)) or not str(path).startswith("/"):
            raise InvalidError(f"volume mount paths must be absolute, got {path!r}")
        if not isinstance(volume, Volume):
            raise InvalidError(
                f"volumes[{str(path)!r}] must be a skylift.Volume, got {type(volume).__name__}"
            )
        out[str(path).rstrip("/") or "/"] = volume
    return out
