"""The builds adapter to the Docker engine: pull, build, run-and-commit, tag, remove.

The one module of `builds` that imports `docker` (hosts.docker_client is the host agent's).
Every operation streams its output, line by line, to a `log` callable, and raises StepFailed
with the output's tail when the engine or the step says no.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import math
import os
import re
import shutil
import tarfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
from django.conf import settings
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from billing import build_meter
from hosts.docker_client import (
    BUILD_HOST_LABEL,
    container_network,
    forget_network,
    gpu_device_requests,
    network_missing,
)

__all__ = [
    "BUILD_MOUNT_DIR",
    "DockerUnavailable",
    "StepFailed",
    "build_dockerfile",
    "image_config",
    "image_exists",
    "image_id",
    "layer_images",
    "probe",
    "pull",
    "remove_image",
    "run_and_commit",
    "tag",
]

log = logging.getLogger(__name__)

Log = Callable[[str], None]
# Where a build step sees its inputs (CA bundle, secrets, copied files, the SDK). A tmpfs holds
# the mount points, so that none of them is left behind in the committed layer.
BUILD_MOUNT_DIR = "/run/skylift-build"
LAYER_REPOSITORY = "skylift/layer"


def layer_repository() -> str:
    """Where layers are tagged: in the image registry every host shares, when there is one."""
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return f"{registry}/{LAYER_REPOSITORY}" if registry else LAYER_REPOSITORY


def in_shared_registry(ref: str) -> bool:
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return bool(registry) and ref.startswith(registry + "/")


# Build containers are found by name, never by label: labels of a committed container end up in
# the image, and so on every function container started from it.
BUILD_CONTAINER_PREFIX = "skylift-build-"


class DockerUnavailable(RuntimeError):
    pass


class StepFailed(RuntimeError):
    """A build step failed; `output` is the tail of what it printed."""

    def __init__(self, message: str, output: str = "", exit_code: int | None = None):
        super().__init__(message)
        self.output = output
        self.exit_code = exit_code


@functools.cache
def _client() -> docker.DockerClient:
    return docker.from_env(timeout=600)


def client() -> docker.DockerClient:
    try:
        return _client()
    except DockerException as exc:
        _client.cache_clear()
        raise DockerUnavailable(f"No Docker engine answers: {exc}") from None


def image_id(ref: str) -> str | None:
    try:
        return client().api.inspect_image(ref)["Id"]
    except (ImageNotFound, NotFound):
        return None


def image_size(ref: str) -> int | None:
    """The image's size in bytes (its layers and its parents'), None when the engine lacks it."""
    try:
        return int(client().api.inspect_image(ref).get("Size") or 0)
    except (ImageNotFound, NotFound):
        return None


def image_exists(ref: str) -> bool:
    return image_id(ref) is not None


def image_config(ref: str) -> dict:
    return client().api.inspect_image(ref).get("Config") or {}


def tag(source: str, ref: str) -> None:
    repository, _, tag_name = ref.rpartition(":")
    client().api.tag(source, repository, tag_name, force=True)


def remove_image(ref: str) -> bool:
    """Remove a tag (and the image when nothing else uses it); False if something still runs it."""
    try:
        client().api.remove_image(ref, noprune=False)
        return True
    except (ImageNotFound, NotFound):
        return True
    except APIError as exc:
        log.info("kept %s: %s", ref, exc.explanation or exc)
        return False


def layer_images() -> list[str]:
    """Every layer tag (`skylift/layer:*`, or in the shared registry) on this engine."""
    return tagged_images(layer_repository())


def tagged_images(repository: str) -> list[str]:
    """Every tag of `repository` on this engine."""
    refs: list[str] = []
    for image in client().api.images(name=repository):
        refs.extend(t for t in image.get("RepoTags") or [] if t.startswith(repository + ":"))
    return refs


def push(ref: str, log: Log) -> None:
    """Push a layer to the shared registry, so that other hosts pull it instead of building it."""
    tail = _Tail(log)
    repository, tag_name = _split_ref(ref)
    try:
        for event in client().api.push(repository, tag=tag_name, stream=True, decode=True):
            if "error" in event:
                raise StepFailed(f"could not push {ref}: {event['error']}", tail.text)
    except APIError as exc:
        raise StepFailed(f"could not push {ref}: {exc.explanation or exc}", tail.text) from None
    tail.close()


def fetch(ref: str) -> bool:
    """Pull `ref` from the shared registry if it is there; False when it is not (or none answers)."""
    repository, tag_name = _split_ref(ref)
    try:
        for event in client().api.pull(repository, tag=tag_name, stream=True, decode=True):
            if "error" in event:
                log.info("could not pull %s: %s", ref, event["error"])
                return False
    except APIError as exc:
        log.info("could not pull %s: %s", ref, exc.explanation or exc)
        return False
    return image_exists(ref)


class _Tail:
    """Keeps the last lines of output for the error message, and passes every line on."""

    def __init__(self, log: Log, keep: int = 60):
        self.log = log
        self.lines: deque[str] = deque(maxlen=keep)
        self.partial = ""

    def feed(self, text: str) -> None:
        text = self.partial + text
        *complete, self.partial = text.split("\n")
        for line in complete:
            line = line.rstrip("\r")
            if "\r" in line:  # progress bars redraw a line: keep its last state
                line = line.rsplit("\r", 1)[-1]
            self.lines.append(line)
            self.log(line)

    def close(self) -> None:
        if self.partial:
            self.feed("\n")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def registry_auth(credentials: dict | None) -> dict | None:
    """A registry secret's values as a username and password (None without a secret)."""
    if not credentials:
        return None
    user = credentials.get("REGISTRY_USERNAME") or credentials.get("USERNAME")
    password = credentials.get("REGISTRY_PASSWORD") or credentials.get("PASSWORD")
    if not user or not password:
        raise StepFailed(
            "The registry secret must hold REGISTRY_USERNAME and REGISTRY_PASSWORD.",
        )
    return {"username": user, "password": password}


def pull(ref: str, *, target: str, credentials: dict | None, log: Log) -> str:
    """Pull `ref` and tag it as `target`; returns the image id."""
    tail = _Tail(log)
    repository, tag_name = _split_ref(ref)
    try:
        last_status: dict[str, str] = {}
        for event in client().api.pull(
            repository, tag=tag_name, stream=True, decode=True, auth_config=registry_auth(credentials)
        ):
            if "error" in event:
                raise StepFailed(f"could not pull {ref}: {event['error']}", tail.text)
            status = event.get("status", "")
            layer = event.get("id", "")
            # One line per layer state change, not every progress tick.
            if (
                status
                and last_status.get(layer) != status
                and "Downloading" not in status
                and "Extracting" not in status
            ):
                last_status[layer] = status
                tail.feed(f"{layer + ': ' if layer else ''}{status}\n")
    except APIError as exc:
        raise StepFailed(f"could not pull {ref}: {exc.explanation or exc}", tail.text) from None
    tail.close()
    tag(ref, target)
    return image_id(target) or ""


def _split_ref(ref: str) -> tuple[str, str | None]:
    if "@" in ref:
        name, digest = ref.split("@", 1)
        return name, digest
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag_name = ref.rsplit(":", 1)
        return name, tag_name
    return ref, "latest"


def _context_tar(dockerfile: str, context_dir: Path | None, extra: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        if context_dir is not None:
            tar.add(str(context_dir), arcname=".")
        for name, data in {"Dockerfile.skylift": dockerfile.encode(), **extra}.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def build_dockerfile(
    *,
    dockerfile: str,
    target: str,
    log: Log,
    context_dir: Path | None = None,
    extra_files: dict[str, bytes] | None = None,
    nocache: bool = False,
    buildargs: dict | None = None,
    timeout: float = 3600,
) -> str:
    """`docker build` a Dockerfile (named Dockerfile.skylift in the context); returns the image id.

    Each step's intermediate container is metered while it lives, as the build's when a build step
    is metering (`_BuilderSteps`, billing/build_meter.py)."""
    tail = _Tail(log)
    context = _context_tar(dockerfile, context_dir, extra_files or {})
    deadline = time.monotonic() + timeout
    with _BuilderSteps() as steps:
        built = _build(context, target, tail, steps, nocache, buildargs, timeout, deadline)
    tail.close()
    return built or image_id(target) or ""


def _build(
    context: io.BytesIO,
    target: str,
    tail: _Tail,
    steps: _BuilderSteps,
    nocache: bool,
    buildargs: dict | None,
    timeout: float,
    deadline: float,
) -> str | None:
    """Run `docker build`, its output to `tail` and `steps`; the image id it announced."""
    built = None
    try:
        for event in client().api.build(
            fileobj=context,
            custom_context=True,
            dockerfile="Dockerfile.skylift",
            tag=target,
            rm=True,
            forcerm=True,
            decode=True,
            nocache=nocache,
            pull=False,
            buildargs=buildargs or None,
            timeout=int(timeout),
            # RUN lines of Dockerfiles on the isolating network too (they keep Docker's default
            # capabilities, NET_RAW included, which `docker build` cannot drop).
            network_mode=container_network(client()),
        ):
            if "stream" in event:
                tail.feed(event["stream"])
                steps.feed(event["stream"])
            elif "error" in event:
                tail.close()
                detail = event.get("errorDetail") or {}
                raise StepFailed(event["error"].strip(), tail.text, detail.get("code"))
            elif "aux" in event and "ID" in event["aux"]:
                built = event["aux"]["ID"]
            if time.monotonic() > deadline:
                raise StepFailed(f"the build ran past its timeout of {int(timeout)} s", tail.text)
    except APIError as exc:
        raise StepFailed(f"docker build failed: {exc.explanation or exc}", tail.text) from None
    return built


class _BuilderSteps:
    """The intermediate containers Docker's builder runs a Dockerfile's steps in (RUN, and the
    container each ENV, WORKDIR, COPY... is committed from), metered one at a time from the line
    that announces one (" ---> Running in ID") to the line that removes it (or the build's end):
    their wall time, and the CPU and memory their cgroups measure while a RUN runs, as Skylift's
    own steps are (billing/build_meter.py). The builder's other work (sending the context, a step
    answered from its cache) runs in no container and is not metered."""

    RUNNING_IN = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})\s*$", re.MULTILINE)
    REMOVING = re.compile(r"^Removing intermediate container ([0-9a-f]{12,64})", re.MULTILINE)

    def __init__(self) -> None:
        self.current: contextlib.ExitStack | None = None

    def __enter__(self) -> _BuilderSteps:
        return self

    def __exit__(self, *_: object) -> None:
        self._end()

    def feed(self, text: str) -> None:
        if self.current is not None and self.REMOVING.search(text):
            self._end()
        found = self.RUNNING_IN.search(text)
        if found:
            self._end()
            self.current = contextlib.ExitStack()
            self.current.enter_context(build_meter.container(self._full_id(found[1])))

    def _end(self) -> None:
        if self.current is not None:
            current, self.current = self.current, None
            current.close()

    @staticmethod
    def _full_id(short: str) -> str:
        """Its whole id (its cgroup's name); the short one when it is gone already."""
        try:
            return client().api.inspect_container(short)["Id"]
        except (APIError, NotFound):
            return short


# Build networks --------------------------------------------------------------------------------
#
# Giving each step container a network namespace of its own (on Docker's bridge) costs about as
# much as the step itself when the step is short: measured here, 180 ms to start a container and
# 45 ms more to tear its network down, against 70 ms for a container that joins an existing
# namespace. So the steps of one workspace's builds on a host join the namespace of a small
# holder container of that workspace (on the bridge, as a step's own would be); workspaces never
# share one. Each step gets its own copies of /etc/hosts, resolv.conf and hostname, so that what a
# step writes there stays with it; concurrent builds of one workspace do share loopback.
#
# Every use touches a marker file of the holder under SKYLIFT_BUILD_DIR; a holder whose marker is
# older than HOLDER_IDLE_SECONDS and that no running step uses is removed at the end of a build.
# Only holders with a marker here are this platform's to remove (an engine may serve several).
# Each is labelled with its host's name too, so that the platform's stop removes them with the rest.
# Holders are an optimisation: when anything about them fails, the step gets a namespace of its own.

NETWORK_HOLDER_PREFIX = "skylift-buildnet-"
HOLDER_LABEL = "skylift.build-network"
HOLDER_IDLE_SECONDS = 600
HOLDER_IMAGE = "skylift/build-network:holder"
NETWORK_FILES = {
    "HostsPath": "/etc/hosts",
    "ResolvConfPath": "/etc/resolv.conf",
    "HostnamePath": "/etc/hostname",
}


def _holder_markers() -> Path:
    return Path(settings.SKYLIFT_BUILD_DIR) / "network-holders"


def _holder_image() -> str | None:
    """The holders' image: a debian_slim base this host has (local or from the shared registry),
    under a tag of its own, so that a base can still be removed or remade while holders run; the
    tag follows the base when the base is remade."""
    api = client().api
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    names = ["skylift/debian-slim", *([f"{registry}/skylift/debian-slim"] if registry else [])]
    bases = [
        image["Id"]
        for name in names
        for image in api.images(name=name)
        if any(t.startswith(name + ":") for t in image.get("RepoTags") or [])
    ]
    current = image_id(HOLDER_IMAGE)
    if current is not None and (current in bases or not bases):
        return HOLDER_IMAGE
    if not bases:
        return None
    tag(bases[0], HOLDER_IMAGE)
    return HOLDER_IMAGE


def _holder_name(key: str) -> str:
    return NETWORK_HOLDER_PREFIX + "".join(c if c.isalnum() or c in "_.-" else "-" for c in key)[:60]


def network_holder(key: str) -> str | None:
    """`container:<id>` of the running network holder for `key` (a workspace), made or started
    when needed, or None when there is none to be had (the step then gets a namespace of its own)."""
    name = _holder_name(key)
    try:
        marker = _holder_markers() / name
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()  # before the lookup: a holder about to be used is never idle
        api = client().api
        for _ in range(3):
            try:
                state = api.inspect_container(name)
            except NotFound:
                image = _holder_image()
                if image is None:
                    return None
                try:
                    api.create_container(
                        image,
                        command=["sleep", "infinity"],
                        name=name,
                        labels={HOLDER_LABEL: key, BUILD_HOST_LABEL: settings.SKYLIFT_HOST_NAME},
                        host_config=api.create_host_config(
                            network_mode=container_network(client()),
                            init=True,
                            mem_limit="16m",
                            pids_limit=4,
                            read_only=True,
                            cap_drop=["ALL"],
                            security_opt=["no-new-privileges"],
                        ),
                    )
                except APIError as exc:
                    if network_missing(exc):
                        forget_network()  # pruned: made again on the next try
                    elif exc.status_code != 409:  # 409: another build made it first
                        raise
                continue
            if (state["Config"].get("Labels") or {}).get(HOLDER_LABEL) != key:
                return None  # a container of that name that is not this workspace's holder
            if (
                state["HostConfig"].get("NetworkMode") != container_network(client())
                or (state["Config"].get("Labels") or {}).get(BUILD_HOST_LABEL) != settings.SKYLIFT_HOST_NAME
            ):
                # made before builds used the isolating network, or without this host's label: replaced
                api.remove_container(state["Id"], force=True)
                _network_files_cache.pop(state["Id"], None)
                continue
            if not state["State"]["Running"]:
                _network_files_cache.pop(state["Id"], None)  # Docker rewrites them at each start
                try:
                    api.start(name)
                except APIError:  # it cannot start: make it again
                    api.remove_container(name, force=True)
                    continue
            marker.touch()
            return f"container:{state['Id']}"
    except (DockerException, DockerUnavailable, OSError) as exc:
        log.warning("no build network holder for %s: %s", key, exc)
    return None


class _HolderGone(Exception):
    """The network holder a step was to join is not running any more."""


_network_files_cache: dict[str, dict[str, bytes]] = {}


def _holder_network_files(network: str) -> dict[str, bytes]:
    """The holder's /etc/hosts, resolv.conf and hostname (read once per holder, through the API)."""
    holder = network.split(":", 1)[1]
    if holder not in _network_files_cache:
        files = {}
        for target in NETWORK_FILES.values():
            try:
                stream, _ = client().api.get_archive(holder, target)
            except NotFound:
                raise _HolderGone from None
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
                member = tar.next()
                extracted = tar.extractfile(member) if member is not None else None
                files[target] = extracted.read() if extracted is not None else b""
        if len(_network_files_cache) >= 64:  # holders come and go: keep the cache small
            _network_files_cache.clear()
        _network_files_cache[holder] = files
    return _network_files_cache[holder]


def _holder_running(network: str) -> bool:
    try:
        return bool(client().api.inspect_container(network.split(":", 1)[1])["State"]["Running"])
    except (DockerException, DockerUnavailable):
        return False


def retire_idle_network_holders(idle_seconds: float = HOLDER_IDLE_SECONDS, keys=None) -> int:
    """Remove this platform's network holders (those with a marker here; of `keys` only, when
    given) that no running step uses and that nobody used for `idle_seconds`. Returns how many."""
    markers = _holder_markers()
    api = client().api
    in_use = {(c.get("HostConfig") or {}).get("NetworkMode", "") for c in api.containers()}
    removed = 0
    for c in api.containers(all=True, filters={"label": HOLDER_LABEL}):
        key = (c.get("Labels") or {}).get(HOLDER_LABEL, "")
        marker = markers / _holder_name(key)
        if keys is not None and key not in keys:
            continue
        try:
            idle = time.time() - marker.stat().st_mtime
        except OSError:
            continue  # not this platform's
        if f"container:{c['Id']}" in in_use or idle < idle_seconds:
            continue
        try:
            seen = marker.stat().st_mtime
            api.remove_container(c["Id"], force=True)
            if marker.stat().st_mtime == seen:  # else a build took it up meanwhile: its marker stays
                marker.unlink(missing_ok=True)
            removed += 1
        except (APIError, OSError):
            pass
    return removed


def run_and_commit(
    *,
    parent: str,
    script: str,
    target: str,
    log: Log,
    binds: list[dict] | None = None,
    changes: list[str] | None = None,
    gpu_device_ids: list[str] | None = None,
    timeout: float = 3600,
    environment: dict | None = None,
    network: str | None = None,
    name: str | None = None,
) -> str:
    """Run `script` with /bin/sh in a container of `parent`, then commit it as `target`.

    `network` is `container:<id>` of a network holder to join (see above), or None for a network
    namespace of the step's own. Secrets never go in `environment` (it would be committed with the
    image's config): steps read them from a file under BUILD_MOUNT_DIR, which is a tmpfs and so not
    committed. `gpu_device_ids`: the NVIDIA devices (UUIDs) the step holds (builds.gpu_steps), given
    through a device request; the variables naming them are exported by the script, likewise.
    `name`: the start of the container's name (BUILD_CONTAINER_PREFIX and something of the target
    by default): a GPU step's names its hold, for its host agent to find it (builds.gpu_steps).
    """
    step: dict[str, Any] = {
        "parent": parent,
        "script": script,
        "target": target,
        "log": log,
        "binds": list(binds or []),
        "changes": changes,
        "gpu_device_ids": gpu_device_ids,
        "timeout": timeout,
        "environment": environment,
        "name": name or f"{BUILD_CONTAINER_PREFIX}{target.rsplit(':', 1)[-1][:16]}-",
    }
    if network:
        directory = Path(settings.SKYLIFT_BUILD_DIR) / "step-networks" / os.urandom(6).hex()
        try:
            try:
                directory.mkdir(parents=True)
                own = []  # the step's own copies of the holder's network files
                for target_path, content in _holder_network_files(network).items():
                    copy = directory / Path(target_path).name
                    copy.write_bytes(content)
                    own.append({"source": str(copy), "target": target_path, "read_only": False})
            except (DockerException, OSError, tarfile.TarError) as exc:
                raise _HolderGone from exc
            # _HolderGone from here on comes only from before the step's script started.
            return _run_and_commit(**{**step, "binds": [*step["binds"], *own]}, network=network)
        except _HolderGone:
            log("   (the build network holder went away: this step runs in a network of its own)")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    return _run_and_commit(**step, network=None)


def _run_and_commit(
    *,
    parent: str,
    script: str,
    target: str,
    log: Log,
    binds: list[dict],
    changes: list[str] | None,
    gpu_device_ids: list[str] | None,
    timeout: float,
    environment: dict | None,
    network: str | None,
    name: str,
) -> str:
    from docker.types import Mount

    api = client().api
    config = image_config(parent)
    entrypoint = config.get("Entrypoint") or None
    cmd = config.get("Cmd") or None
    mounts = [Mount(target=BUILD_MOUNT_DIR, source="", type="tmpfs")]
    for b in binds:
        mounts.append(
            Mount(target=b["target"], source=b["source"], type="bind", read_only=b.get("read_only", True))
        )
    host_config = api.create_host_config(
        mounts=mounts,
        network_mode=network or container_network(client()),
        # The very devices the step holds, by UUID (none on a host whose engine has no NVIDIA runtime).
        device_requests=gpu_device_requests(gpu_device_ids or []) or None,
        init=True,
        # No raw sockets: a step could otherwise forge ARP on the bridge it shares with every
        # workspace's containers (and hand-build packets past the filters).
        cap_drop=["NET_RAW"],
    )
    name = f"{name}{os.urandom(3).hex()}"
    kwargs: dict = {}
    if entrypoint:
        # Build steps run like Dockerfile RUN: without the image's entrypoint.
        kwargs["entrypoint"] = ["/bin/sh", "-c"]
        command = [script]
    else:
        command = ["/bin/sh", "-c", script]
    try:
        container = api.create_container(
            parent,
            command=command,
            name=name,
            host_config=host_config,
            environment=environment or None,
            **kwargs,
        )
    except APIError as exc:
        if network and not _holder_running(network):
            raise _HolderGone from None
        raise StepFailed(f"could not create the build container: {exc.explanation or exc}") from None
    cid = container["Id"]
    tail = _Tail(log)
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            api.kill(cid)
        except APIError:
            pass

    timer = threading.Timer(timeout, kill)
    try:
        try:
            api.start(cid)
        except APIError as exc:
            if network and not _holder_running(network):
                raise _HolderGone from None
            raise StepFailed(f"could not start the build container: {exc.explanation or exc}") from None
        timer.start()
        with build_meter.container(cid):  # from its start to its end (billing/build_meter.py)
            for chunk in api.logs(cid, stream=True, follow=True, stdout=True, stderr=True):
                tail.feed(chunk.decode(errors="replace"))
            exit_code = api.wait(cid).get("StatusCode")
        tail.close()
        if timed_out.is_set():
            raise StepFailed(f"the step ran past its timeout of {int(timeout)} s", tail.text, exit_code)
        if exit_code != 0:
            raise StepFailed(f"the step exited with code {exit_code}", tail.text, exit_code)
        restore = []
        if entrypoint:
            restore.append("ENTRYPOINT " + json.dumps(entrypoint))
        # The container's command must not become the image's: put the parent's back.
        restore.append("CMD " + json.dumps(cmd or ["/bin/sh"]))
        repository, _, tag_name = target.rpartition(":")
        api.commit(cid, repository=repository, tag=tag_name, changes=[*restore, *(changes or [])])
    finally:
        timer.cancel()
        try:
            api.remove_container(cid, force=True)
        except APIError:
            logging.getLogger(__name__).warning("could not remove build container %s", cid[:12])
    return image_id(target) or ""


def probe(ref: str, command: list[str], *, timeout: float = 60) -> tuple[int | None, str]:
    """Run `command` in a container of `ref` (with its entrypoint) and return (exit code, output)."""
    api = client().api
    container = api.create_container(
        ref,
        command=command,
        name=f"{BUILD_CONTAINER_PREFIX}probe-{os.urandom(4).hex()}",
        host_config=api.create_host_config(network_mode="none"),
    )
    cid = container["Id"]
    try:
        try:
            api.start(cid)
        except APIError as exc:  # the command is not in the image: nothing ran
            return None, str(exc.explanation or exc)
        try:
            code = api.wait(cid, timeout=math.ceil(timeout)).get("StatusCode")
        except Exception:  # noqa: BLE001 - the read timed out: the command hangs
            api.kill(cid)
            code = None
        output = api.logs(cid, stdout=True, stderr=True).decode(errors="replace")
        return code, output
    finally:
        try:
            api.remove_container(cid, force=True)
        except APIError:
            pass


def remove_build_containers() -> int:
    """Remove build containers a dead worker left behind, and unused build network holders."""
    removed = retire_idle_network_holders(0)
    for c in client().api.containers(all=True, filters={"name": BUILD_CONTAINER_PREFIX}):
        if not any(n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX) for n in c.get("Names") or []):
            continue
        try:
            client().api.remove_container(c["Id"], force=True)
            removed += 1
        except APIError:
            pass
    return removed
