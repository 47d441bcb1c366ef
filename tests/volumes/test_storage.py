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
