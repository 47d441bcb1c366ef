"""RELIABILITY B11 below the API: every way a path can try to leave a volume, against the storage
module itself. Canary files beside the volume keep their content and mtime whatever is tried."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest
from django.conf import settings

from volumes import storage

VOLUME = "vo-storageTest"

HOSTILE_PATHS = [
    "../canary/secret.txt",
    "a/../../canary/secret.txt",
    "..",
    "./..",
    "..\\canary\\secret.txt",
    "secret\x00.txt",
    "x" * 10_000,
    "\uff0e\uff0e/canary/secret.txt",  # full-width dots, which NFKC makes "../"
    "\uff0e\uff0e\uff0fcanary",  # a full-width slash too
    "link-dir/secret.txt",
    "link-dir/../secret.txt",
]
# Look like escapes but are names inside the volume: they simply do not exist there.
INERT_PATHS = ["%2e%2e%2fcanary%2fsecret.txt", "%252e%252e%252fsecret.txt", "/etc/passwd"]


@pytest.fixture
def volume(tmp_path):
    with pytest.MonkeyPatch.context():
        settings.SKYLIFT_VOLUME_DIR = tmp_path / "volumes"
        root = storage.create_root(VOLUME)
        canary = tmp_path / "volumes" / "canary"
        canary.mkdir()
        (canary / "secret.txt").write_text("do not touch")
        (root / "link-dir").symlink_to(canary)
        (root / "link-file").symlink_to(canary / "secret.txt")
        (root / "data").mkdir()
        (root / "data" / "weights.bin").write_bytes(b"\x00\x01" * 100)
        yield root, canary


def _fingerprint(folder: Path) -> dict:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    } | {"/": folder.stat().st_mtime_ns}


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_it_refuses_paths_that_leave_the_volume(volume, path):
    root, canary = volume
    before = _fingerprint(canary)
    for attempt in (
        lambda: storage.listdir(VOLUME, path, recursive=True),
        lambda: storage.open_file(VOLUME, path),
        lambda: storage.remove(VOLUME, path, recursive=True),
    ):
        with pytest.raises((storage.PathRefused, storage.NotFound)):
            attempt()
    assert _fingerprint(canary) == before


@pytest.mark.parametrize("path", INERT_PATHS)
def test_it_reads_escape_lookalikes_as_plain_names_inside_the_volume(volume, path):
    root, canary = volume
    before = _fingerprint(canary)
    with pytest.raises(storage.NotFound):
        storage.open_file(VOLUME, path)
    with pytest.raises(storage.NotFound):
        storage.remove(VOLUME, path)
    assert _fingerprint(canary) == before


def test_it_lists_links_without_following_them(volume):
    root, canary = volume
    entries = {e.path: e for e in storage.listdir(VOLUME, "/", recursive=True)}
    assert entries["link-dir"].type == "symlink"
    assert entries["link-file"].type == "symlink"
    assert "link-dir/secret.txt" not in entries
    assert entries["data/weights.bin"].size == 200
    with pytest.raises(storage.PathRefused, match="symbolic link"):
        storage.open_file(VOLUME, "link-file")


def test_removing_a_link_removes_the_link_not_its_target(volume):
    root, canary = volume
    before = _fingerprint(canary)
    storage.remove(VOLUME, "link-dir", recursive=True)
    storage.remove(VOLUME, "link-file")
    assert not os.path.lexists(root / "link-dir") and not os.path.lexists(root / "link-file")
    assert _fingerprint(canary) == before


def _tar(*members: tarfile.TarInfo, data: bytes = b"payload") -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for member in members:
            if member.isreg():
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
            else:
                tar.addfile(member)
    path = Path(settings.SKYLIFT_VOLUME_DIR) / "upload.tar"
    path.write_bytes(buf.getvalue())
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize(
    "member",
    [
        _member("../canary/secret.txt"),
        _member("/etc/cron.d/evil"),
        _member("a/../../canary/secret.txt"),
        _member("link-dir/secret.txt"),
        _member("evil-link", tarfile.SYMTYPE, "/etc/passwd"),
        _member("evil-hardlink", tarfile.LNKTYPE, "/etc/passwd"),
        _member("evil-device", tarfile.CHRTYPE),
        _member("evil-fifo", tarfile.FIFOTYPE),
    ],
    ids=lambda m: f"{m.name}:{m.type!r}",
)
def test_it_refuses_a_tar_with_a_member_that_escapes_and_writes_none_of_it(volume, member):
    root, canary = volume
    before = _fingerprint(canary)
    listing = storage.listdir(VOLUME, "/", recursive=True)
    upload = _tar(_member("first/ok.txt"), member)
    with pytest.raises((storage.BadUpload, storage.PathRefused)):
        storage.write_tar(VOLUME, upload, overwrite=True)
    assert _fingerprint(canary) == before
    assert storage.listdir(VOLUME, "/", recursive=True) == listing  # not even the good member


def test_it_writes_files_and_refuses_to_overwrite_unless_asked(volume):
    root, _ = volume
    assert storage.write_tar(VOLUME, _tar(_member("models/a.bin"), _member("b.txt")), overwrite=False) == [
        "/models/a.bin",
        "/b.txt",
    ]
    assert (root / "models" / "a.bin").read_bytes() == b"payload"
    with pytest.raises(storage.FileExists) as refused:
        storage.write_tar(VOLUME, _tar(_member("b.txt"), _member("c.txt"), data=b"new"), overwrite=False)
    assert refused.value.paths == ["/b.txt"]
    assert not (root / "c.txt").exists()
    # a folder that exists is merged into, not refused
    storage.write_tar(
        VOLUME, _tar(_member("models", tarfile.DIRTYPE), _member("models/c.bin")), overwrite=False
    )
    assert (root / "models" / "c.bin").exists()
    storage.write_tar(VOLUME, _tar(_member("b.txt"), data=b"new"), overwrite=True)
    assert (root / "b.txt").read_bytes() == b"new"
    with storage.open_file(VOLUME, "/models/a.bin") as handle:
        assert handle.read() == b"payload"


def test_an_upload_over_a_link_replaces_the_link_and_leaves_its_target(volume):
    root, canary = volume
    before = _fingerprint(canary)
    storage.write_tar(VOLUME, _tar(_member("link-file"), data=b"mine"), overwrite=True)
    assert not (root / "link-file").is_symlink()
    assert (root / "link-file").read_bytes() == b"mine"
    assert _fingerprint(canary) == before


def test_it_removes_folders_only_when_asked_to_recursively(volume):
    root, _ = volume
    with pytest.raises(storage.PathRefused, match="not empty"):
        storage.remove(VOLUME, "data")
    storage.remove(VOLUME, "data", recursive=True)
    assert not (root / "data").exists()
    with pytest.raises(storage.PathRefused, match="root"):
        storage.remove(VOLUME, "/", recursive=True)


@pytest.mark.parametrize(
    "members",
    [
        [_member("a"), _member("a/b")],
        [_member("a/b"), _member("a")],
        [_member("same.txt"), _member("same.txt")],
        [_member("dir", tarfile.DIRTYPE), _member("dir")],
    ],
    ids=["file-then-inside", "inside-then-file", "twice", "folder-and-file"],
)
def test_it_refuses_members_that_clash_with_each_other_and_writes_nothing(volume, members):
    listing = storage.listdir(VOLUME, "/", recursive=True)
    with pytest.raises(storage.BadUpload):
        storage.write_tar(VOLUME, _tar(*members), overwrite=True)
    assert storage.listdir(VOLUME, "/", recursive=True) == listing


def test_it_takes_dot_slash_names_and_refuses_compressed_or_oversized_uploads(volume):
    root, _ = volume
    assert storage.write_tar(
        VOLUME, _tar(_member("./", tarfile.DIRTYPE), _member("./x.txt")), overwrite=False
    ) == ["/x.txt"]
    compressed = Path(settings.SKYLIFT_VOLUME_DIR) / "upload.tar.gz"
    with tarfile.open(compressed, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("empty.txt"), io.BytesIO(b""))
    with pytest.raises(storage.BadUpload, match="uncompressed"):
        storage.write_tar(VOLUME, compressed, overwrite=True)
    with pytest.raises(storage.BadUpload, match="more than 10 bytes"):
        storage.write_tar(VOLUME, _tar(_member("big.bin"), data=b"x" * 11), overwrite=True, max_bytes=10)
    assert not (root / "big.bin").exists()


def test_it_removes_a_tree_holding_links_and_fifos_without_following_or_blocking(volume):
    root, canary = volume
    before = _fingerprint(canary)
    (root / "tree" / "deep").mkdir(parents=True)
    (root / "tree" / "deep" / "to-canary").symlink_to(canary)
    os.mkfifo(root / "tree" / "deep" / "pipe")
    # a FIFO is listed as "other" and never opened for reading
    kinds = {e.path: e.type for e in storage.listdir(VOLUME, "tree", recursive=True)}
    assert kinds["tree/deep/pipe"] == "other" and kinds["tree/deep/to-canary"] == "symlink"
    with pytest.raises(storage.PathRefused, match="not a regular file"):
        storage.open_file(VOLUME, "tree/deep/pipe")
    storage.remove(VOLUME, "tree", recursive=True)
    assert not (root / "tree").exists()
    # and deleting the whole volume goes the same way
    (root / "again").mkdir()
    (root / "again" / "to-canary").symlink_to(canary)
    storage.delete_root(VOLUME)
    assert not root.exists() and not list(root.parent.glob(".deleted-*"))
    assert _fingerprint(canary) == before


def test_it_lists_names_that_are_not_utf8_and_refuses_endless_nesting(volume):
    root, _ = volume
    os.mkdir(os.fsencode(root) + b"/caf\xe9")
    assert "caf\\xe9" in {e.path for e in storage.listdir(VOLUME, "/")}
    deep = root
    for _ in range(storage.MAX_DEPTH + 2):
        deep = deep / "d"
    deep.mkdir(parents=True)
    with pytest.raises(storage.PathRefused, match="deeper"):
        storage.listdir(VOLUME, "/", recursive=True)
    with pytest.raises(storage.PathRefused, match="deeper"):
        storage.remove(VOLUME, "d", recursive=True)
