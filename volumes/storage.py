"""A volume's files on disk, under SKYLIFT_VOLUME_DIR/<vo-id>/ (RELIABILITY B11).

The control plane and the hosts share that directory: containers bind-mount a volume's folder,
the API reads and writes it here. Containers may leave anything in a volume, symbolic links to
the host's files included, so every path from a caller is first cleaned (`clean_path`) and then
walked one component at a time, each opened relative to the directory above it with O_NOFOLLOW.
Nothing outside a volume's root is read or written, and no link is followed, whatever the volume
holds and however it changes meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tarfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

__all__ = [
    "BadUpload",
    "Entry",
    "FileExists",
    "MAX_PATH_BYTES",
    "NotFound",
    "PathRefused",
    "clean_path",
    "create_root",
    "delete_root",
    "listdir",
    "open_file",
    "remove",
    "root",
    "write_tar",
]

MAX_PATH_BYTES = 1024
MAX_NAME_BYTES = 255
MAX_LISTED = 100_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# How deep a listing or a removal goes: a container can nest folders without end.
MAX_DEPTH = 128
# Files and folders the API makes are open to the container's user: containers run without
# CAP_DAC_OVERRIDE, so even their root needs the mode bits to write where the API wrote first.
_DIR_MODE = 0o777
_FILE_MODE = 0o666


class PathRefused(ValueError):
    """A path that cannot name anything inside a volume (`..`, a NUL byte, a link on the way…)."""


class BadUpload(ValueError):
    """An upload that is not a tar of files and folders that stay inside the volume."""


class NotFound(LookupError):
    pass


class FileExists(Exception):
    def __init__(self, paths: list[str]):
        super().__init__(paths)
        self.paths = paths


@dataclass(frozen=True)
class Entry:
    path: str
    type: str  # "file" | "directory" | "symlink" | "other"
    size: int
    mtime: float


def root(volume_id: str) -> Path:
    if not volume_id.startswith("vo-") or "/" in volume_id or volume_id in ("vo-", "vo-."):
        raise ValueError(f"not a volume id: {volume_id[:40]!r}")
    return Path(settings.SKYLIFT_VOLUME_DIR) / volume_id


def create_root(volume_id: str) -> Path:
    top = Path(settings.SKYLIFT_VOLUME_DIR)
    top.mkdir(parents=True, exist_ok=True)
    os.chmod(top, 0o711)  # hosts' users reach their own volume's folder, never list the others
    path = root(volume_id)
    path.mkdir(exist_ok=True)
    os.chmod(path, _DIR_MODE)
    return path


def delete_root(volume_id: str) -> None:
    """Remove a volume's files: first out of the way (atomic), then from the disk, without
    following any link a container left in it."""
    path = root(volume_id)
    doomed = f".deleted-{volume_id}"
    with contextlib.suppress(FileNotFoundError):
        path.rename(path.with_name(doomed))
    parent = os.open(path.parent, _DIR_FLAGS)
    try:
        _remove_tree(parent, doomed)
    finally:
        os.close(parent)


def _remove_tree(parent: int, name: str, depth: int = 0) -> None:
    """`rm -r name` inside `parent`: each folder is opened with O_NOFOLLOW relative to the one
    above it, so a folder a container swaps for a link (or a FIFO) meanwhile is unlinked, never
    followed or opened."""
    if depth > MAX_DEPTH:
        raise PathRefused(f"the folders nest deeper than {MAX_DEPTH} levels; remove a folder further down")
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=parent)  # not a folder (any more): the entry itself goes
        return
    try:
        with os.scandir(fd) as entries:
            names = [entry.name for entry in entries]
        for child in names:
            try:
                st = os.stat(child, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                _remove_tree(fd, child, depth + 1)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(child, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        os.rmdir(name, dir_fd=parent)
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno == errno.ENOTEMPTY:
            raise PathRefused("files were added while it was being removed; remove it again") from None
        raise


def clean_path(raw: str, *, allow_root: bool = True) -> tuple[str, ...]:
    """The components of a path inside a volume; "/" and "" are its root.

    Refused: NUL and other control characters, backslashes, `.` and `..` components (also when
    written with look-alike characters that Unicode normalises to them, such as `．．`), and
    paths or names too long for a file system.
    """
    if not isinstance(raw, str):
        raise PathRefused("a volume path must be a string")
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise PathRefused(f"the path is longer than {MAX_PATH_BYTES} bytes")
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise PathRefused("the path holds a NUL byte or another control character")
    if "\\" in raw:
        raise PathRefused("the path holds a backslash; volume paths are separated by '/'")
    normalised = unicodedata.normalize("NFKC", raw)
    for form in {raw, normalised}:
        for part in form.split("/"):
            if part in (".", ".."):
                raise PathRefused(
                    f"the path holds {part!r}; name files from the volume's root, e.g. /data/file.bin"
                )
    if normalised.count("/") != raw.count("/") or "\\" in normalised:
        raise PathRefused("the path holds a character that stands for a path separator")
    parts = tuple(p for p in raw.split("/") if p)
    for part in parts:
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise PathRefused(f"a name in the path is longer than {MAX_NAME_BYTES} bytes")
    if not parts and not allow_root:
        raise PathRefused("this needs a path inside the volume, not its root")
    return parts


def _shown(parts: tuple[str, ...]) -> str:
    return "/" + "/".join(parts)


@contextlib.contextmanager
def _root_fd(volume_id: str) -> Iterator[int]:
    try:
        fd = os.open(root(volume_id), _DIR_FLAGS)
    except FileNotFoundError:
        raise NotFound("the volume's files are missing on this machine") from None
    try:
        yield fd
    finally:
        os.close(fd)


def _open_dir(parent_fd: int, name: str, parts_so_far: tuple[str, ...], *, create: bool) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except FileNotFoundError:
        if not create:
            raise NotFound(f"{_shown(parts_so_far)} does not exist") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            kind = "a symbolic link" if _is_link(parent_fd, name) else "not a directory"
            raise PathRefused(f"{_shown(parts_so_far)} is {kind}") from None
        raise
    try:
        os.mkdir(name, _DIR_MODE, dir_fd=parent_fd)
    except FileExistsError:  # made meanwhile
        return _open_dir(parent_fd, name, parts_so_far, create=False)
    fd = _open_dir(parent_fd, name, parts_so_far, create=False)
    os.fchmod(fd, _DIR_MODE)  # mkdir's mode went through the umask
    return fd


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _walk_to(root_fd: int, parts: tuple[str, ...], *, create: bool = False) -> Iterator[int]:
    """An fd of the directory `parts`, reached without following any link."""
    fd = os.dup(root_fd)
    try:
        for i, name in enumerate(parts):
            child = _open_dir(fd, name, parts[: i + 1], create=create)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _entry(path: str, st: os.stat_result) -> Entry:
    if stat.S_ISREG(st.st_mode):
        kind = "file"
    elif stat.S_ISDIR(st.st_mode):
        kind = "directory"
    elif stat.S_ISLNK(st.st_mode):
        kind = "symlink"
    else:
        kind = "other"
    return Entry(path=path, type=kind, size=st.st_size if kind == "file" else 0, mtime=st.st_mtime)


def listdir(volume_id: str, path: str, *, recursive: bool = False) -> list[Entry]:
    """What is at `path`: a directory's entries (all below it when recursive), or the file itself."""
    parts = clean_path(path)
    with _root_fd(volume_id) as rfd:
        if parts:
            with _walk_to(rfd, parts[:-1]) as parent:
                try:
                    st = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
                except FileNotFoundError:
                    raise NotFound(f"{_shown(parts)} does not exist") from None
                if not stat.S_ISDIR(st.st_mode):
                    return [_entry("/".join(parts), st)]
        found: list[Entry] = []
        with _walk_to(rfd, parts) as fd:
            _scan(fd, "/".join(parts), recursive, found, 0)
    return sorted(found, key=lambda e: e.path)


def _shown_name(name: str) -> str:
    """A file name as text: names that are not UTF-8 (a container may make them) are escaped."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _scan(fd: int, prefix: str, recursive: bool, found: list[Entry], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PathRefused(f"the folders nest deeper than {MAX_DEPTH} levels; list a folder further down")
    with os.scandir(fd) as entries:
        for child in entries:  # lazily: a huge folder is refused at the limit, not read whole
            path = f"{prefix}/{_shown_name(child.name)}" if prefix else _shown_name(child.name)
            try:
                st = child.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed by a container meanwhile
                continue
            found.append(_entry(path, st))
            if len(found) > MAX_LISTED:
                raise PathRefused(f"more than {MAX_LISTED} entries; list a folder further down")
            if recursive and stat.S_ISDIR(st.st_mode):
                try:
                    sub = os.open(child.name, _DIR_FLAGS, dir_fd=fd)
                except OSError:  # replaced by a link or removed meanwhile: not followed
                    continue
                try:
                    _scan(sub, path, recursive, found, depth + 1)
                finally:
                    os.close(sub)


def open_file(volume_id: str, path: str):
    """A binary file object of the regular file at `path` (never through a link)."""
    parts = clean_path(path, allow_root=False)
    with _root_fd(volume_id) as rfd, _walk_to(rfd, parts[:-1]) as parent:
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=parent)
        except FileNotFoundError:
            raise NotFound(f"{_shown(parts)} does not exist") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PathRefused(f"{_shown(parts)} is a symbolic link; links are not followed") from None
            if exc.errno in (errno.ENXIO, errno.EACCES, errno.EPERM, errno.EISDIR):
                raise PathRefused(f"{_shown(parts)} cannot be read ({os.strerror(exc.errno)})") from None
            raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise PathRefused(f"{_shown(parts)} is {kind}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def remove(volume_id: str, path: str, *, recursive: bool = False) -> None:
    """Remove a file, a link (not what it points to) or, with `recursive`, a directory tree."""
    parts = clean_path(path, allow_root=False)
    with _root_fd(volume_id) as rfd, _walk_to(rfd, parts[:-1]) as parent:
        name = parts[-1]
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            raise NotFound(f"{_shown(parts)} does not exist") from None
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=parent)
            return
        if not recursive:
            try:
                os.rmdir(name, dir_fd=parent)
            except OSError as exc:
                if exc.errno == errno.ENOTEMPTY:
                    raise PathRefused(
                        f"{_shown(parts)} is a directory that is not empty; remove it recursively"
                    ) from None
                raise
            return
        _remove_tree(parent, name)


def write_tar(volume_id: str, tar_path: Path, *, overwrite: bool, max_bytes: int | None = None) -> list[str]:
    """Write the regular files and directories of a tar into the volume; returns the files written.

    Every member is checked before anything is written: links, devices, FIFOs, sparse files,
    paths that leave the volume, and members that clash with each other (a path twice, a file
    where another member needs a folder) refuse the whole upload, as do more than `max_bytes` of
    file content. Without `overwrite`, a file that exists refuses it too. Each file is written
    to a temporary name beside its target and moved into place.
    """
    try:
        tar = tarfile.open(tar_path, mode="r:")  # plain tar only: no decompression bombs
        members = tar.getmembers()
    except (tarfile.TarError, EOFError) as exc:
        raise BadUpload(f"the upload is not a readable, uncompressed tar archive ({exc})") from None
    with tar:
        plan = _plan_members(members, max_bytes)
        with _root_fd(volume_id) as rfd:
            # Checked before anything is written: no member goes through a link or a file, and
            # none replaces a folder (a container changing the volume meanwhile can still make a
            # write fail, never escape).
            existing = [_shown(p) for p, m in plan if _check_target(rfd, p, is_dir=m.isdir())]
            if existing and not overwrite:
                raise FileExists(existing)
            written = []
            for parts, member in plan:
                if member.isdir():
                    with _walk_to(rfd, parts, create=True):
                        pass
                    continue
                source = tar.extractfile(member)
                assert source is not None
                with source, _walk_to(rfd, parts[:-1], create=True) as parent:
                    _write_file(parent, parts, source, replace=overwrite)
                written.append(_shown(parts))
    return written


def _plan_members(
    members: list[tarfile.TarInfo], max_bytes: int | None
) -> list[tuple[tuple[str, ...], tarfile.TarInfo]]:
    plan: list[tuple[tuple[str, ...], tarfile.TarInfo]] = []
    files: set[tuple[str, ...]] = set()
    folders: set[tuple[str, ...]] = set()
    total = 0
    for member in members:
        if not (member.isreg() or member.isdir()):
            kind = "link" if (member.issym() or member.islnk()) else "device or other special file"
            raise BadUpload(f"the upload holds a {kind} ({member.name!r}); only files and folders")
        if member.issparse():
            raise BadUpload(f"the upload holds a sparse file ({member.name!r}); send it whole")
        if member.name.startswith("/"):
            raise BadUpload(f"the upload holds an absolute path ({member.name!r})")
        name = member.name
        while name.startswith("./"):  # `tar -C dir -cf - .` names members ./x
            name = name[2:]
        if name in ("", "."):
            continue
        try:
            tarfile.data_filter(member, "/nonexistent-dest")
            parts = clean_path(name)
        except (tarfile.FilterError, PathRefused) as exc:
            raise BadUpload(
                f"the upload holds a member that leaves the volume ({member.name!r}): {exc}"
            ) from None
        if parts in files or (member.isreg() and parts in folders):
            raise BadUpload(f"the upload holds {_shown(parts)} twice, or as both a file and a folder")
        if member.isreg():
            files.add(parts)
            total += member.size
            if max_bytes is not None and total > max_bytes:
                raise BadUpload(f"the upload's files hold more than {max_bytes} bytes")
        else:
            folders.add(parts)
        for i in range(1, len(parts)):
            if parts[:i] in files:
                raise BadUpload(f"the upload has a file at {_shown(parts[:i])} and {_shown(parts)} inside it")
            folders.add(parts[:i])
        plan.append((parts, member))
    return plan


def _check_target(root_fd: int, parts: tuple[str, ...], *, is_dir: bool) -> bool:
    """Whether a file to write already exists; refuses a path through a link or a file, and a
    file where a folder is."""
    fd = os.dup(root_fd)
    try:
        for i, name in enumerate(parts):
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                return False  # made by the upload
            last = i == len(parts) - 1
            if last and not is_dir:
                if stat.S_ISDIR(st.st_mode):
                    raise BadUpload(f"{_shown(parts)} is a folder in the volume; the upload has a file there")
                return True
            if not stat.S_ISDIR(st.st_mode):
                kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "a file"
                raise BadUpload(
                    f"{_shown(parts[: i + 1])} is {kind} in the volume; uploads do not go through it"
                )
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        return False  # a folder that exists already: merged into
    finally:
        os.close(fd)


def _write_file(parent: int, parts: tuple[str, ...], source, *, replace: bool) -> None:
    name = parts[-1]
    temporary = f".skylift-upload-{os.urandom(8).hex()}"
    fd = os.open(
        temporary,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        _FILE_MODE,
        dir_fd=parent,
    )
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), _FILE_MODE)  # the open's mode went through the umask
            shutil.copyfileobj(source, out, 1 << 20)
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise PathRefused(f"{_shown(parts)} is a directory")
        if replace:
            # rename replaces a link itself, never what it points to.
            os.rename(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
        else:
            try:  # link fails if a container made the file since the check: never replaced
                os.link(temporary, name, src_dir_fd=parent, dst_dir_fd=parent, follow_symlinks=False)
            except FileExistsError:
                raise FileExists([_shown(parts)]) from None
            os.unlink(temporary, dir_fd=parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=parent)
        raise
