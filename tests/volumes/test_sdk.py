"""The SDK's checks on volume options, before anything reaches a server."""

from __future__ import annotations

import pytest

import skylift
from skylift.exception import InvalidError


@pytest.mark.parametrize(
    ("volumes", "message"),
    [
        ({"data": skylift.Volume.from_name("v")}, "absolute"),
        ({"/data": "v"}, "must be a skylift.Volume"),
        (["/data"], "dict of mount paths"),
    ],
)
def test_it_refuses_bad_volume_options(volumes, message):
    app = skylift.App("volume-options")
    with pytest.raises(InvalidError, match=message):
        app.function(volumes=volumes)
    with pytest.raises(InvalidError, match=message):
        skylift.Image.debian_slim().run_function(print, volumes=volumes)


def test_it_looks_nothing_up_until_used():
    # from_name is lazy: no client, no server, until the volume is used
    volume = skylift.Volume.from_name("later", create_if_missing=True)
    assert volume._object_id is None and volume.name == "later"
    assert skylift.Volume.from_id("vo-abc")._object_id == "vo-abc"
    with pytest.raises(InvalidError):
        skylift.Volume.from_id("not-a-volume")


def test_it_asks_for_the_mount_path_inside_a_container(monkeypatch):
    monkeypatch.setenv("SKYLIFT_IS_REMOTE", "1")
    with pytest.raises(InvalidError, match="path it is mounted at"):
        skylift.Volume.from_name("v").listdir("/")
