"""Fixtures of the image tests: local registries (Debian's docker-registry), with and without a password."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_IMAGE = "skylift/debian-slim:3.11"


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Registry:
    port: int
    username: str | None = None
    password: str | None = None

    def ref(self, name: str, host: str = "localhost") -> str:
        return f"{host}:{self.port}/{name}"


def _start(work: Path, name: str, auth: tuple[str, str] | None) -> tuple[subprocess.Popen, Registry]:
    port = _free_port()
    config = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {work / name}",
        "http:",
        f"  addr: 127.0.0.1:{port}",
    ]
    if auth:
        htpasswd = work / f"{name}.htpasswd"
        out = subprocess.run(["htpasswd", "-Bbn", *auth], capture_output=True, text=True, check=True).stdout
        htpasswd.write_text(out)
        config += ["auth:", "  htpasswd:", "    realm: skylift-test", f"    path: {htpasswd}"]
    (work / f"{name}.yml").write_text("\n".join(config) + "\n")
    proc = subprocess.Popen(
        ["docker-registry", "serve", str(work / f"{name}.yml")],
        stdout=(work / f"{name}.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=0.2)):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.terminate()
        raise RuntimeError(f"docker-registry did not start: {(work / f'{name}.log').read_text()[-2000:]}")
    return proc, Registry(port, *(auth or (None, None)))


def _push(registry: Registry, ref: str, source: str = BASE_IMAGE) -> None:
    import docker

    client = docker.from_env()
    client.images.get(source).tag(ref)
    auth = {"username": registry.username, "password": registry.password} if registry.username else None
    for event in client.api.push(ref, stream=True, decode=True, auth_config=auth):
        if "error" in event:
            raise RuntimeError(f"push of {ref} failed: {event['error']}")
    client.images.remove(ref)


def _without_python() -> str:
    """The base image with its Python removed: Debian bookworm, no python3 anywhere."""
    import docker

    dockerfile = f"FROM {BASE_IMAGE}\nRUN rm -rf /usr/bin/python* /usr/bin/pip* /usr/lib/python3*\n"
    image, _ = docker.from_env().images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag="skylift-test/nopython:1", rm=True
    )
    return image.id


@pytest.fixture(scope="session")
def registries():
    """Two registries on loopback: `open` (no password) and `private` (htpasswd), each holding the base
    image as `skylift/base:1`; `open` also holds it without Python as `skylift/nopython:1`."""
    if not shutil.which("docker-registry") or not shutil.which("htpasswd"):
        pytest.fail("docker-registry and htpasswd are missing: run platform/scripts/install-system.sh")
    work = Path(tempfile.mkdtemp(prefix="skylift-registry-"))
    procs = []
    try:
        open_proc, open_registry = _start(work, "open", None)
        procs.append(open_proc)
        private_proc, private_registry = _start(work, "private", ("skylift", "s3cret-pass"))
        procs.append(private_proc)
        _push(open_registry, open_registry.ref("skylift/base:1"))
        _push(private_registry, private_registry.ref("skylift/base:1"))
        _push(open_registry, open_registry.ref("skylift/nopython:1"), _without_python())
        yield {"open": open_registry, "private": private_registry}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def remove_layers_afterwards(platform):
    """Layers are per workspace, so each session's are its own: leave no images behind."""
    yield
    import docker

    client = docker.from_env()
    refs = [
        r[0]
        for r in platform.sql("SELECT docker_ref FROM builds_layer WHERE docker_ref LIKE 'skylift/layer:%%'")
    ]
    refs += [
        t
        for image in client.images.list()
        for t in image.tags
        if t.startswith(("localhost:", "skylift/from:"))
    ]
    for ref in refs:
        try:
            client.images.remove(ref, force=True)
        except docker.errors.APIError:
            pass
    remove_build_network_holders(platform)


def remove_build_network_holders(platform) -> None:
    """Remove the build network holders of a test platform's workspaces."""
    import docker

    workspaces = {row[0] for row in platform.sql("SELECT id FROM accounts_workspace")}
    for c in docker.from_env().containers.list(all=True, filters={"label": "skylift.build-network"}):
        if c.labels.get("skylift.build-network") in workspaces:
            c.remove(force=True)
