"""Hosts share built images through an image registry (SKYLIFT_IMAGE_REGISTRY).

A platform of its own runs with the setting pointing at a registry on loopback (Debian's
docker-registry). What its builder makes is pushed there; a host that lacks an image (simulated by
removing every local copy) pulls it to run a function, and a build that needs it as a parent pulls
it instead of building it again.
"""

from __future__ import annotations

import uuid

import docker
import httpx
import pytest

import skylift
from skylift._build import image_build
from tests.builds import image_app
from tests.builds.conftest import remove_build_network_holders
from tests.fixtures.live_platform import launch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shared(registries):
    registry = registries["open"]
    prefix = f"localhost:{registry.port}/"
    with launch(extra_env={"SKYLIFT_IMAGE_REGISTRY": prefix.rstrip("/")}) as platform:
        yield platform, registry, prefix
        remove_build_network_holders(platform)
    _forget_locally(prefix)


def _forget_locally(prefix: str) -> int:
    """Remove every local tag under the shared registry, as on a host that never had them."""
    client = docker.from_env()
    removed = 0
    for image in client.images.list():
        for tag in image.tags:
            if tag.startswith(prefix):
                client.images.remove(tag, force=True)
                removed += 1
    return removed


def _tags(registry, repository: str) -> list[str]:
    answer = httpx.get(f"http://127.0.0.1:{registry.port}/v2/{repository}/tags/list", timeout=10)
    return (answer.json().get("tags") or []) if answer.status_code == 200 else []


def _steps(platform, record_build_id: str) -> list[str]:
    import json

    steps = platform.sql("SELECT steps FROM builds_build WHERE id = %s", [record_build_id])[0][0]
    steps = steps if isinstance(steps, list) else json.loads(steps)
    return [s["status"] for s in steps]


def test_a_host_without_the_image_pulls_it_to_run_and_to_build_on_it(shared):
    platform, registry, prefix = shared
    marker = uuid.uuid4().hex
    image = skylift.Image.debian_slim().run_commands(f"echo {marker} > /opt/shared.txt")
    # given an image built (and so pushed) by this platform's builder
    _, record = image_build(platform.client("alice"), image, show_logs=False)
    layers = platform.sql("SELECT hash, docker_ref FROM builds_layer ORDER BY index")
    assert [ref.startswith(prefix) for _, ref in layers] == [True, True]
    assert "3.11" in _tags(registry, "skylift/debian-slim")
    assert layers[1][0] in _tags(registry, "skylift/layer")
    # when a host that never had it runs a function on it
    assert _forget_locally(prefix) >= 2
    app = skylift.App(f"shared-{marker[:6]}")
    read = app.function(image=image, name="read")(image_app.read)
    with app.run(client=platform.client("alice")):
        # then it pulled the image from the registry
        assert read.remote("/opt/shared.txt") == f"{marker}\n"
    # when a build on such a host needs the image as a parent
    _forget_locally(prefix)
    builds_before = {row[0] for row in platform.sql("SELECT id FROM builds_build")}
    image_build(platform.client("alice"), image.run_commands("echo more > /opt/more.txt"), show_logs=False)
    (build_id,) = {row[0] for row in platform.sql("SELECT id FROM builds_build")} - builds_before
    # then it pulled the parent instead of building it again, and pushed only the new layer
    assert _steps(platform, build_id) == ["cached", "cached", "built"]
    assert len(_tags(registry, "skylift/layer")) == 2
    assert record["status"] == "ready"
