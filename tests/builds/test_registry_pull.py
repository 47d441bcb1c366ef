"""RELIABILITY B12 at pull time: an image of a named registry comes over Skylift's own
connections, to addresses it checked, and the engine is never asked to pull it; a Bearer realm or
a redirect is followed only to an address the registry itself would be allowed."""

from __future__ import annotations

import http.client
import json
import socket
import time
import uuid

import docker
import httpx
import pytest

import skylift
from builds import docker_builder, registry_pull
from skylift._build import BuildFailed, image_build
from tests.builds.conftest import _push
from tests.builds.hostile_registry import Canary, sending_elsewhere, token_protected

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("remove_layers_afterwards")]


@pytest.fixture
def canary():
    listener = Canary()
    yield listener
    listener.close()


def _image_actions(since: int) -> list[str]:
    """What the engine did to images since `since` (load, tag, pull, ...)."""
    events = docker.from_env().events(
        since=since, until=int(time.time()) + 1, decode=True, filters={"type": "image"}
    )
    return [e["Action"] for e in events]


def test_it_pulls_over_its_own_connections_and_never_asks_the_engine(platform, registries):
    # given an image no build here has pulled yet
    ref = registries["open"].ref("skylift/b12:1")
    _push(registries["open"], ref)
    since = int(time.time())
    # when an image is built from it
    _, record = image_build(platform.client("alice"), skylift.Image.from_registry(ref), show_logs=False)
    # then Skylift fetched it and loaded it; the engine pulled nothing
    assert record["status"] == "ready" and record["python_version"] == "3.11"
    actions = _image_actions(since)
    assert "load" in actions
    assert "pull" not in actions


def test_it_pulls_a_dockerfiles_from_image_itself_too(platform, registries, tmp_path):
    # given a Dockerfile whose FROM names a registry
    ref = registries["open"].ref("skylift/b12-dockerfile:1")
    _push(registries["open"], ref)
    (tmp_path / "Dockerfile").write_text(f"FROM {ref} AS base\nRUN echo built > /built.txt\n")
    since = int(time.time())
    # when it is built
    image = skylift.Image.from_dockerfile(tmp_path / "Dockerfile")
    _, record = image_build(platform.client("alice"), image, show_logs=False)
    # then Skylift pulled its FROM image, and the engine built on that without pulling
    assert record["status"] == "ready" and record["python_version"] == "3.11"
    actions = _image_actions(since)
    assert "load" in actions
    assert "pull" not in actions
    pulled = {
        t
        for i in docker.from_env().images.list(name="skylift/from")
        for t in i.tags
        if t.startswith("skylift/from:")
    }
    assert len(pulled) == 1
    # and once no layer starts from it, the garbage collector drops the pulled base's tag
    for table, column in (("builds_layer", "hash"), ("builds_image", "layer_hash")):
        platform.sql(
            f"UPDATE {table} SET last_used_at = now() - interval '100 days' WHERE {column} = %s",
            [record["layer_hash"]],
        )
    out = json.loads(platform.manage("collect_layers", "--unused-days", "30"))
    assert out["pulled_bases_removed"] == 1
    assert not docker.from_env().images.list(name="skylift/from")


def test_it_pulls_through_a_bearer_token_realm(platform, registries):
    # given a registry that wants a token from its realm, which wants a username and password
    registry = token_protected(registries["open"].port, "robot", "pw-123")
    ref = f"localhost:{registry.port}/skylift/base:1"
    try:
        # without them the token service refuses, and the build says what to check
        with pytest.raises(BuildFailed, match=r"token service answered 401 \(check the registry secret\)"):
            image_build(platform.client("alice"), skylift.Image.from_registry(ref), show_logs=False)
        # with them the pull goes through the token
        secret = skylift.Secret.from_dict({"REGISTRY_USERNAME": "robot", "REGISTRY_PASSWORD": "pw-123"})
        image = skylift.Image.from_registry(ref, secret=secret)
        _, record = image_build(platform.client("alice"), image, show_logs=False)
    finally:
        registry.close()
    assert record["status"] == "ready" and record["python_version"] == "3.11"
    tokens = [path for path, _ in registry.requests if path.startswith("/token")]
    assert tokens and all("service=skylift-test" in path and "scope=pull" in path for path in tokens)
    served = [auth for path, auth in registry.requests if "/blobs/" in path]
    assert served and all(auth == "Bearer skylift-test-token" for auth in served)


@pytest.mark.parametrize("how", ["realm", "redirect"])
def test_it_refuses_a_realm_or_redirect_to_an_internal_address(platform, canary, how):
    # given an allowed registry ("localhost") that sends the pull to 127.0.0.1, which is not allowed
    registry = sending_elsewhere(how, f"http://127.0.0.1:{canary.port}/steal")
    since = int(time.time())
    try:
        image = skylift.Image.from_registry(f"localhost:{registry.port}/team/app:1")
        # when an image is built from it
        with pytest.raises(BuildFailed, match=r"private or loopback address \(127\.0\.0\.1\)") as failed:
            image_build(platform.client("alice"), image, show_logs=False)
    finally:
        registry.close()
    # then the registry was asked, the internal address never was, and the engine pulled nothing
    assert "SKYLIFT_REGISTRY_ALLOWLIST=127.0.0.1" in str(failed.value)
    assert registry.requests
    assert canary.hits == 0
    assert "pull" not in _image_actions(since)


def test_it_refuses_internal_registries_in_every_spelling_before_any_connection(platform, canary):
    # given a canary listening on loopback, and the ways to spell an internal registry
    refs = [
        f"127.0.0.1:{canary.port}/x:latest",
        f"[::1]:{canary.port}/x:latest",
        f"0x7f.1:{canary.port}/x:latest",
        f"2130706433:{canary.port}/x:latest",
        "169.254.169.254/x:latest",
    ]
    since = int(time.time())
    alice = platform.users["alice"]
    with httpx.Client(base_url=platform.url, headers=alice.headers) as http:
        for ref in refs:
            # when an image is asked for from it
            r = http.post("/api/v1/images/", json={"base": "from_registry", "tag": ref})
            # then it is refused, saying what the operator can do, and nothing was recorded
            assert r.status_code == 400, ref
            error = r.json()["error"]
            assert "private or loopback address" in error["message"], ref
            assert "SKYLIFT_REGISTRY_ALLOWLIST" in error["hint"], ref
    assert (
        platform.sql("SELECT count(*) FROM builds_image WHERE spec->>'tag' LIKE %s", ["%/x:latest"])[0][0]
        == 0
    )
    assert canary.hits == 0
    assert "pull" not in _image_actions(since)


def test_it_connects_only_to_the_address_it_checked(canary, monkeypatch, settings):
    # given a name that resolves to a public address when it is checked, and to the canary's
    # loopback address on any later lookup (DNS rebinding)
    settings.SKYLIFT_REGISTRY_ALLOWLIST = []
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(registry_pull, "TIMEOUT", 5.0)  # should the public address not answer at all
    # when a pull from it runs
    with pytest.raises(registry_pull.PullFailed, match="could not (reach the registry|pull)"):
        registry_pull.pull(
            f"rebind.example.com:{canary.port}/team/app:1",
            target="skylift-test/never:1",
            credentials=None,
            log=lambda line: None,
        )
    # then the name was resolved once, and the pull went to the checked address only
    assert lookups == ["rebind.example.com"]
    assert canary.hits == 0


def test_only_an_allowlisted_registry_may_send_a_pull_to_another_allowlisted_internal_host(
    monkeypatch, settings
):
    # given an internal host the operator allowlisted, and a public registry
    settings.SKYLIFT_REGISTRY_ALLOWLIST = ["registry.internal", "mirror.internal"]
    addresses = {
        "public.example.com": "93.184.216.34",
        "registry.internal": "10.0.0.5",
        "mirror.internal": "10.0.0.6",
    }
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], port))],
    )
    # when the public registry sends the pull there (a redirect or a realm), it is refused
    public = registry_pull._Session(host="public.example.com", repository="x", credentials=None)
    with pytest.raises(registry_pull.Refused, match=r"private or loopback address \(10\.0\.0\.5\)"):
        public._connect("https", "registry.internal", 443, "A redirect of the registry public.example.com")
    # and an allowlisted registry may send it to another allowlisted host, not to any other
    internal = registry_pull._Session(host="registry.internal", repository="x", credentials=None)
    internal._connect("https", "mirror.internal", 443, "A redirect")
    addresses["elsewhere.internal"] = "10.0.0.7"
    with pytest.raises(registry_pull.Refused):
        internal._connect("https", "elsewhere.internal", 443, "A redirect")
    # and a hop from HTTPS to plain HTTP on a host that is not loopback is refused
    with pytest.raises(registry_pull.PullFailed, match="is plain HTTP"):
        public._connect("http", "public.example.com", 80, "A redirect of the registry public.example.com")


def _manifest_of(registry, repository: str, tag: str) -> tuple[str, int, str]:
    """(digest, size, media type) of a manifest in the test registry."""
    conn = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=30)
    conn.request(
        "GET",
        f"/v2/{repository}/manifests/{tag}",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.getheader("Docker-Content-Digest"), len(body), response.getheader("Content-Type")


def test_it_pulls_the_image_of_its_platform_from_a_multi_platform_index(platform, registries):
    import platform as host

    registry = registries["open"]
    repository = "skylift/b12-multi"
    # given a repository with two images: one with Python, one without it
    _push(registry, registry.ref(f"{repository}:with-python"))
    _push(registry, registry.ref(f"{repository}:without"), "skylift-test/nopython:1")
    ours = {"x86_64": "amd64", "aarch64": "arm64"}[host.machine()]
    other = "arm64" if ours == "amd64" else "amd64"
    with_python, without = (_manifest_of(registry, repository, t) for t in ("with-python", "without"))
    # and two indexes listing both: "1" gives this platform the one with Python, "2" the other
    for tag, pairs in (
        ("1", ((without, other), (with_python, ours))),
        ("2", ((with_python, other), (without, ours))),
    ):
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
            "manifests": [
                {
                    "mediaType": m[2],
                    "digest": m[0],
                    "size": m[1],
                    "platform": {"architecture": arch, "os": "linux"},
                }
                for m, arch in pairs
            ],
        }
        conn = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=30)
        conn.request(
            "PUT",
            f"/v2/{repository}/manifests/{tag}",
            body=json.dumps(index),
            headers={"Content-Type": index["mediaType"]},
        )
        assert conn.getresponse().status == 201
        conn.close()
    # when images are built from the indexes' tags
    alice = platform.client("alice")
    _, record = image_build(
        alice, skylift.Image.from_registry(registry.ref(f"{repository}:1")), show_logs=False
    )
    # then each time the image for this machine's platform is the one pulled
    assert record["status"] == "ready" and record["python_version"] == "3.11"
    with pytest.raises(BuildFailed, match="no python3 on its PATH"):
        image_build(alice, skylift.Image.from_registry(registry.ref(f"{repository}:2")), show_logs=False)


def test_a_pull_that_runs_out_of_disk_fails_clearly_and_loads_nothing(registries, settings, tmp_path):
    import subprocess

    # given a build directory on a file system far smaller than the image (RELIABILITY F10)
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(small)], check=True)
    ref = registries["open"].ref("skylift/base:1")
    target = f"skylift-test/enospc:{uuid.uuid4().hex[:8]}"
    settings.SKYLIFT_REGISTRY_ALLOWLIST = ["localhost"]  # as the test platforms allow
    try:
        settings.SKYLIFT_BUILD_DIR = str(small)
        # when an image is pulled there
        with pytest.raises(registry_pull.PullFailed, match="No space left on device"):
            registry_pull.pull(ref, target=target, credentials=None, log=lambda line: None)
        # then nothing was loaded, and the space was given back
        assert not docker_builder.image_exists(target)
        assert not any((small / "pulls").iterdir())
    finally:
        subprocess.run(["umount", str(small)], check=True)
    # and once there is room, the same pull works
    settings.SKYLIFT_BUILD_DIR = str(tmp_path / "roomy")
    try:
        registry_pull.pull(ref, target=target, credentials=None, log=lambda line: None)
        assert docker_builder.image_exists(target)
    finally:
        docker.from_env().images.remove(target, force=True)


def test_a_challenge_from_where_the_registry_redirected_is_not_answered(canary, settings):
    # given a registry that redirects to storage which asks for a token from a realm (the canary)
    settings.SKYLIFT_REGISTRY_ALLOWLIST = ["localhost"]
    storage = sending_elsewhere("realm", f"http://localhost:{canary.port}/token")
    registry = sending_elsewhere("redirect", f"http://localhost:{storage.port}/blob")
    try:
        # when an image is pulled from it with credentials
        with pytest.raises(registry_pull.PullFailed, match="refused access"):
            registry_pull.pull(
                f"localhost:{registry.port}/team/app:1",
                target="skylift-test/never:1",
                credentials={"username": "robot", "password": "pw-123"},
                log=lambda line: None,
            )
    finally:
        storage.close()
        registry.close()
    # then the storage's challenge was not answered: its realm never saw the credentials
    assert storage.requests and all(auth is None for _, auth in storage.requests)
    assert canary.hits == 0


def test_a_redirect_that_is_not_a_url_fails_the_pull_clearly(settings):
    settings.SKYLIFT_REGISTRY_ALLOWLIST = ["localhost"]
    registry = sending_elsewhere("redirect", "http://[not-a-host")
    try:
        with pytest.raises(registry_pull.PullFailed, match="redirected to an address that is not a URL"):
            registry_pull.pull(
                f"localhost:{registry.port}/team/app:1",
                target="skylift-test/never:1",
                credentials=None,
                log=lambda line: None,
            )
    finally:
        registry.close()
