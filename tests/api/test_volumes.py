"""Volumes over the API, against PostgreSQL: create and find them, move files, and RELIABILITY B11
(paths and tar members that try to leave a volume) and S18 (another workspace's volume is 404)."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest
from django.conf import settings

from volumes import storage

from .support import db_snapshot


def _tar(files: dict[str, bytes], *, extra: list[tarfile.TarInfo] = ()) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return buf.getvalue()


def _put(member, volume_id: str, body: bytes, **query):
    url = f"/api/v1/volumes/{volume_id}/files/"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return member.api.generic("PUT", url, body, content_type="application/x-tar")


@pytest.fixture
def volume(trio):
    made = trio.alice.api.post("/api/v1/volumes/", {"name": "weights"}, format="json")
    assert made.status_code == 201, made.content
    return made.json()["id"]


@pytest.fixture
def canary():
    folder = settings.SKYLIFT_VOLUME_DIR / "canary"
    folder.mkdir(exist_ok=True)
    (folder / "secret.txt").write_text("host secret")

    def fingerprint():
        path = folder / "secret.txt"
        return (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
            sorted(folder.iterdir()),
        )

    return fingerprint


def test_it_creates_finds_and_refuses_a_taken_name(trio, volume):
    # when alice looks it up by name, then she finds it
    found = trio.alice.api.get("/api/v1/volumes/", {"name": "weights"}).json()["results"]
    assert [v["id"] for v in found] == [volume]
    # when she creates it again, then 409 names it, and nothing is added
    before = db_snapshot()
    again = trio.alice.api.post("/api/v1/volumes/", {"name": "weights"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_exists"
    assert db_snapshot() == before
    # and another workspace may use the same name
    assert trio.charlie.api.post("/api/v1/volumes/", {"name": "weights"}, format="json").status_code == 201


@pytest.mark.parametrize("name", ["", "has space", "a/b", "..", "x" * 65, "naïve"])
def test_it_refuses_a_bad_name(trio, name):
    before = db_snapshot()
    response = trio.alice.api.post("/api/v1/volumes/", {"name": name}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "name"
    assert db_snapshot() == before


def test_it_uploads_lists_reads_and_removes_files(trio, volume):
    # when alice uploads two files
    put = _put(trio.alice, volume, _tar({"models/a.bin": b"\x00" * 2000, "readme.txt": b"hello"}))
    assert put.status_code == 200, put.content
    assert put.json()["written"] == ["/models/a.bin", "/readme.txt"]
    # then they are listed, and read back
    listing = trio.alice.api.get(f"/api/v1/volumes/{volume}/files/", {"recursive": "true"}).json()
    assert [(e["path"], e["type"], e["size"]) for e in listing["entries"]] == [
        ("models", "directory", 0),
        ("models/a.bin", "file", 2000),
        ("readme.txt", "file", 5),
    ]
    content = trio.alice.api.get(f"/api/v1/volumes/{volume}/content/", {"path": "/readme.txt"})
    assert content.status_code == 200 and b"".join(content.streaming_content) == b"hello"
    # when she uploads over a file without asking to overwrite, then nothing changes
    again = _put(trio.alice, volume, _tar({"readme.txt": b"new", "other.txt": b"x"}))
    assert again.status_code == 409 and "/readme.txt" in again.json()["error"]["message"]
    assert not (storage.root(volume) / "other.txt").exists()
    assert _put(trio.alice, volume, _tar({"readme.txt": b"new"}), overwrite="true").status_code == 200
    # when she removes a folder that is not empty without recursive, then it stays
    assert trio.alice.api.delete(f"/api/v1/volumes/{volume}/files/?path=models").status_code == 400
    assert (
        trio.alice.api.delete(f"/api/v1/volumes/{volume}/files/?path=models&recursive=true").status_code
        == 204
    )
    names = [e["path"] for e in trio.alice.api.get(f"/api/v1/volumes/{volume}/files/").json()["entries"]]
    assert names == ["readme.txt"]
    # and deleting the volume removes its files
    root = storage.root(volume)
    assert trio.alice.api.delete(f"/api/v1/volumes/{volume}/").status_code == 204
    assert not root.exists()


def test_it_answers_404_for_a_missing_file_and_400_for_a_folder(trio, volume):
    missing = trio.alice.api.get(f"/api/v1/volumes/{volume}/content/", {"path": "nope.txt"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "path"
    storage.root(volume).joinpath("dir").mkdir()
    folder = trio.alice.api.get(f"/api/v1/volumes/{volume}/content/", {"path": "dir"})
    assert folder.status_code == 400 and "directory" in folder.json()["error"]["message"]


HOSTILE = [
    "../canary/secret.txt",
    "a/../../canary/secret.txt",
    "%2e%2e%2fcanary%2fsecret.txt",  # decoded once by the URL layer: "../canary/secret.txt"
    "%252e%252e%252fcanary%252fsecret.txt",  # a literal name with % in it, inside the volume
    "..%5ccanary%5csecret.txt",
    "secret%00.txt",
    "x" * 10_000,
    "%EF%BC%8E%EF%BC%8E/canary/secret.txt",  # full-width dots
    "link/secret.txt",
    "link-file",
    "/etc/passwd",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_no_path_reaches_outside_the_volume(trio, volume, canary, path):
    # given a volume holding links to the canary folder beside it (as a container could leave)
    root = storage.root(volume)
    (root / "link").symlink_to(settings.SKYLIFT_VOLUME_DIR / "canary")
    (root / "link-file").symlink_to(settings.SKYLIFT_VOLUME_DIR / "canary" / "secret.txt")
    before = canary()
    # when every file operation is tried with the path
    base = f"/api/v1/volumes/{volume}"
    answers = [
        trio.alice.api.get(f"{base}/content/?path={path}"),
        trio.alice.api.get(f"{base}/files/?path={path}&recursive=true"),
        trio.alice.api.delete(f"{base}/files/?path={path}&recursive=true"),
    ]
    # then each is refused or finds nothing (a link is at most listed, or removed, as a link), and
    # the canary folder outside is untouched
    for response in answers:
        assert response.status_code in (200, 204, 400, 404), (response.status_code, response.content[:200])
        if response.status_code == 204:
            assert path == "link-file" and not (root / "link-file").is_symlink()
        elif response.status_code == 200:
            assert response.json()["entries"] == [
                {"path": path.lstrip("/"), "type": "symlink", "size": 0, "mtime": pytest.approx(0, abs=1e12)}
            ]
        else:
            assert response.json()["error"]["code"] in ("invalid_path", "not_found")
    assert canary() == before
    assert b"host secret" not in b"".join(getattr(answers[0], "streaming_content", [answers[0].content]))


def _link(name: str, kind, target: str = "/etc/passwd") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    ("files", "extra"),
    [
        ({"../canary/secret.txt": b"x"}, []),
        ({"/abs.txt": b"x"}, []),
        ({"a/../../canary/secret.txt": b"x"}, []),
        ({"link/secret.txt": b"x"}, []),
        ({}, [_link("sym", tarfile.SYMTYPE)]),
        ({}, [_link("hard", tarfile.LNKTYPE)]),
        ({}, [_link("dev", tarfile.CHRTYPE)]),
    ],
    ids=["dotdot", "absolute", "nested-dotdot", "through-link", "symlink", "hardlink", "device"],
)
def test_a_tar_with_an_escaping_member_writes_nothing(trio, volume, canary, files, extra):
    root = storage.root(volume)
    (root / "link").symlink_to(settings.SKYLIFT_VOLUME_DIR / "canary")
    before = canary()
    response = _put(trio.alice, volume, _tar({"good.txt": b"fine", **files}, extra=extra))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_upload"
    assert not (root / "good.txt").exists()
    assert canary() == before


def test_an_upload_that_is_not_a_tar_is_refused(trio, volume):
    response = _put(trio.alice, volume, b"definitely not a tar archive" * 30)
    assert response.status_code == 400
    assert "tar" in response.json()["error"]["message"]


def test_a_function_mounts_only_its_own_workspaces_volumes_at_a_sane_path(trio, objects_a, volume):
    def define(volumes, member=trio.alice, objects=objects_a):
        body = {
            "app_id": objects.app.id,
            "name": "with_volume",
            "module": "mod",
            "qualname": "square",
            "mount_sha256": objects.mount.sha256,
            "volumes": volumes,
        }
        return member.api.post("/api/v1/functions/", body, format="json")

    # when alice mounts her volume, then the function has it
    made = define([{"path": "/data/", "volume_id": volume}])
    assert made.status_code == 201, made.content
    assert made.json()["volumes"] == [{"path": "/data", "volume_id": volume}]
    # when the path is bad, then 400 names volumes
    before = db_snapshot()
    for path in ["data", "/", "/skylift/lib", "/proc/x", "/a/../etc"]:
        refused = define([{"path": path, "volume_id": volume}])
        assert refused.status_code == 400, (path, refused.content)
        assert refused.json()["error"]["field"] == "volumes"
    assert db_snapshot() == before
    overlapping = define([{"path": "/data", "volume_id": volume}, {"path": "/data/x", "volume_id": volume}])
    assert overlapping.status_code == 400 and "overlap" in overlapping.json()["error"]["message"]
    # when a stranger names alice's volume, then it does not exist for him (S18)
    charlie_app = trio.charlie.api.post("/api/v1/apps/", {"name": "c"}, format="json").json()["id"]
    body = {
        "app_id": charlie_app,
        "name": "steal",
        "module": "mod",
        "qualname": "square",
        "serialized": "gA==",
    }
    stolen = trio.charlie.api.post(
        "/api/v1/functions/", {**body, "volumes": [{"path": "/data", "volume_id": volume}]}, format="json"
    )
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "not_found"


def test_a_volume_mounted_by_an_app_that_runs_cannot_be_deleted(trio, objects_a, volume):
    from apps.models import App, AppState

    # given a function of a running app that mounts the volume
    body = {
        "app_id": objects_a.app.id,
        "name": "uses_volume",
        "module": "mod",
        "qualname": "square",
        "mount_sha256": objects_a.mount.sha256,
        "volumes": [{"path": "/data", "volume_id": volume}],
    }
    assert trio.alice.api.post("/api/v1/functions/", body, format="json").status_code == 201
    # when alice deletes the volume, then 409 names the app, and the volume and its files stay
    refused = trio.alice.api.delete(f"/api/v1/volumes/{volume}/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "in_use"
    assert objects_a.app.id in refused.json()["error"]["message"]
    assert storage.root(volume).is_dir()
    # when the app has stopped, then the volume goes
    App.objects.filter(pk=objects_a.app.pk).update(state=AppState.STOPPED)
    assert trio.alice.api.delete(f"/api/v1/volumes/{volume}/").status_code == 204
    assert not storage.root(volume).exists()
