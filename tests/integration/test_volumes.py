"""Volumes through the whole platform: functions in real containers share files through a volume,
the SDK and the CLI move files in and out, and an unknown volume stops an app before it exists (B9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import skylift
from skylift.exception import InvalidError, NotFoundError
from tests.integration import volume_app

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture(scope="module")
def running(platform):
    with volume_app.app.run(client=platform.client("alice")):
        yield platform


def test_functions_share_files_through_a_volume(running):
    # when one function writes into the volume
    assert volume_app.write.remote("a.txt", "hello") == ["a.txt"]
    # then another function's container reads it
    assert volume_app.read.remote("out/a.txt") == "hello"
    # and the file is in the volume's folder on the platform's storage
    root = Path(running.env["SKYLIFT_DATA_DIR"]) / "volumes" / volume_app.vol.object_id
    assert (root / "out" / "a.txt").read_text() == "hello"


def test_a_class_loads_its_weights_from_a_volume_in_enter(running):
    # given weights a function wrote into the volume
    volume_app.write.remote("model.txt", "weights-v1")
    # when a class that mounts the volume starts, then its @enter read them
    assert volume_app.Model().predict.remote("x") == "weights-v1:x"


def test_the_sdk_moves_files_in_and_out(running, tmp_path):
    vol = volume_app.vol
    # when files are uploaded from this machine
    local = tmp_path / "weights.bin"
    local.write_bytes(os.urandom(3 * 1024 * 1024))
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "x.txt").write_text("x")
    with vol.batch_upload() as batch:
        batch.put_file(local, "/models/weights.bin")
        batch.put_directory(tmp_path / "tree", "/tree")
    # then a function reads them, and the SDK lists and reads them back
    assert volume_app.read.remote("tree/sub/x.txt") == "x"
    entries = {e.path: e for e in vol.listdir("/", recursive=True)}
    assert entries["models/weights.bin"].size == 3 * 1024 * 1024
    assert entries["models"].type == skylift._volume.FileEntryType.DIRECTORY
    assert b"".join(vol.read_file("models/weights.bin")) == local.read_bytes()

    # when a file exists and the upload does not force, then nothing is written
    def upload_again():
        with vol.batch_upload() as batch:
            batch.put_file(local, "/models/weights.bin")
            batch.put_file(local, "/models/new.bin")

    with pytest.raises(InvalidError, match="exist already"):
        upload_again()
    assert "models/new.bin" not in {e.path for e in vol.listdir("/models")}
    # and removal works on files and, recursively, folders
    vol.remove_file("/tree", recursive=True)
    assert "tree" not in {e.path for e in vol.listdir("/")}


def test_a_link_a_function_leaves_in_a_volume_is_never_followed(running):
    # given a function that planted a link to a host file in the volume
    volume_app.plant_link.remote()
    vol = volume_app.vol
    # when the API is asked for it, then it is listed as a link and never read through
    assert {e.path: e.type for e in vol.listdir("/")}["escape"] == skylift._volume.FileEntryType.SYMLINK
    with pytest.raises(InvalidError, match="symbolic link"):
        b"".join(vol.read_file("escape"))


def test_an_unknown_volume_stops_the_app_before_it_is_created(platform):
    # given an app whose function mounts a volume that does not exist
    app = skylift.App("it-missing-volume")

    @app.function(volumes={"/data": skylift.Volume.from_name("no-such-volume")}, serialized=True)
    def f():
        return 1

    before = platform.sql("SELECT count(*) FROM skylift_apps_app")[0][0]
    # when it is run, then NotFoundError names the volume, and no app was made (B9)
    with pytest.raises(NotFoundError, match="no-such-volume"):
        with app.run(client=platform.client("alice")):
            pass
    assert platform.sql("SELECT count(*) FROM skylift_apps_app")[0][0] == before
    assert platform.sql("SELECT count(*) FROM volumes_volume WHERE name = 'no-such-volume'") == [(0,)]


def test_the_cli_manages_volumes(platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
    )

    def cli(*args):
        done = subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        return done.returncode, done.stdout + done.stderr

    (tmp_path / "data.txt").write_text("from the cli")
    assert cli("volume", "create", "cli-vol")[0] == 0
    code, out = cli("volume", "create", "cli-vol")
    assert code == 1 and "already exists" in out
    assert cli("volume", "put", "cli-vol", "data.txt", "/docs/")[0] == 0
    code, out = cli("volume", "ls", "cli-vol", "/docs")
    assert code == 0 and "docs/data.txt" in out
    assert "cli-vol" in cli("volume", "list")[1]
    code, out = cli("volume", "get", "cli-vol", "/docs/data.txt", "-")
    assert code == 0 and out == "from the cli"
    assert cli("volume", "rm", "cli-vol", "/docs", "-r")[0] == 0
    assert cli("volume", "delete", "cli-vol", "--yes")[0] == 0
    code, out = cli("volume", "ls", "cli-vol")
    assert code == 1 and "not found" in out.lower()
