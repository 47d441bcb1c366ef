"""The compose stack (docker-compose.yml), brought up as an operator would with two host agents: the
control plane's own (its host token made at start) and a second one joining with a token made for
it; examples/hello.py runs through it with the SDK; the second host's token is revoked; down.

The stack is a project of its own (name, network, volumes, ports, data directory, function
containers' network and host names, its server image's tag), so it never meets the suite's platform
on the same engine. The server's services run the real image, built from
platform/docker/server.Dockerfile with pip from the package index (about 30 s; Docker's cache when
neither the base nor the sources changed), on the 3.13 base made by platform/scripts/base-image.sh
where it is missing; tests/stack/compose.test.yml says what the test changes. The PostgreSQL and Redis
image is built from Debian's packages on the 3.11 base image, as for an operator (once per machine;
Docker's cache after that).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import httpx
import psycopg
import pytest
from django.conf import settings

from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FILES = ["-f", str(REPO / "docker-compose.yml"), "-f", str(REPO / "tests" / "stack" / "compose.test.yml")]
SKYLIFT = str(Path(sys.executable).parent / "skylift")
SERVER_BASE = "skylift/debian-slim:3.13"  # platform/docker/server.Dockerfile's BASE
SERVER_IMAGE = "skylift/stack-test-server"  # compose.test.yml's tag of it
BUILD_CA = REPO / ".build-ca.pem"  # read by server.Dockerfile's pip, where present


def _compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.fail(
        "neither docker-compose nor the compose plugin is installed: run platform/scripts/install-system.sh"
    )


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    project: str
    env: dict
    database_url: str
    url: str
    hosts: tuple[str, str]
    compose: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*self.compose, *FILES, *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def containers(self, service: str) -> list:
        labels = [f"com.docker.compose.project={self.project}", f"com.docker.compose.service={service}"]
        return docker.from_env().containers.list(all=True, filters={"label": labels})

    def manage(self, *args: str) -> str:
        """A management command in the stack's web container, as an operator runs one
        (`docker-compose exec web python manage.py ...`, here through the engine's API)."""
        (web,) = self.containers("web")
        code, (out, err) = web.exec_run(["python", "manage.py", *args], demux=True)
        assert code == 0, (
            f"manage.py {' '.join(args)} failed ({code}):\n{(out or b'').decode()}{(err or b'').decode()}"
        )
        return (out or b"").decode()

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cur = conn.execute(query, params or [])
            return cur.fetchall() if cur.description else []

    def logs(self, *services: str) -> str:
        return "\n".join(
            f"--- {service}\n" + container.logs(tail=80).decode(errors="replace")
            for service in services
            for container in self.containers(service)
        )


def _pin_server_base(tag: str) -> None:
    """Tag the server's base for this stack alone: tests/builds removes and remakes
    skylift/debian-slim:3.13 while the suite runs, and a build that reached FROM in between would
    look for it in an image registry. Made here first where it is missing, as docker-compose.yml
    tells an operator (base-image.sh locks against the platform's builder making it at once)."""
    client = docker.from_env()
    for _ in range(3):
        try:
            client.images.get(SERVER_BASE).tag(SERVER_IMAGE, tag)
            return
        except docker.errors.ImageNotFound:
            made = subprocess.run(
                ["bash", str(REPO / "platform" / "scripts" / "base-image.sh")],
                env={**os.environ, "SKYLIFT_BASE_PYTHON": "3.13"},
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert made.returncode == 0, (
                f"base-image.sh failed:\n{made.stdout[-3000:]}\n{made.stderr[-3000:]}"
            )
    raise AssertionError(f"{SERVER_BASE} is still missing after platform/scripts/base-image.sh (three tries)")


@contextlib.contextmanager
def _build_ca() -> Iterator[None]:
    """The host's CA bundle (the one the platform's own builds pass on: SKYLIFT_BUILD_CA_BUNDLE) as
    .build-ca.pem for the build's pip, as docs/operations.md tells an operator behind a
    TLS-inspecting proxy; an operator's own .build-ca.pem is used and left as it is."""
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    if BUILD_CA.exists() or not bundle:
        yield
        return
    shutil.copyfile(bundle, BUILD_CA)
    try:
        yield
    finally:
        BUILD_CA.unlink(missing_ok=True)


@contextlib.contextmanager
def _stack() -> Iterator[Stack]:
    project = f"skylift-stack-{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix="skylift-stack-"))
    web_port, pg_port = _free_port(), _free_port()
    base_tag = f"base-{project}"
    docker_host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    # Nothing of the suite's own settings: the stack's come from docker-compose.yml and the below.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SKYLIFT_", "COMPOSE_"))
        and k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "COMPOSE_PROJECT_NAME": project,
            "SKYLIFT_STACK_DIR": str(work),
            "SKYLIFT_WEB_LISTEN": f"127.0.0.1:{web_port}",
            "SKYLIFT_CONTAINER_NETWORK": project,
            "SKYLIFT_HOST_NAME": f"{project}-1",
            "SKYLIFT_HOST_2_GPUS": "T4",
            "SKYLIFT_TEST_PG_PORT": str(pg_port),
            "SKYLIFT_TEST_SERVER_BASE": f"{SERVER_IMAGE}:{base_tag}",
            "SKYLIFT_TEST_DOCKER_SOCKET": docker_host.removeprefix("unix://"),
        }
    )
    stack = Stack(
        project=project,
        env=env,
        database_url=f"postgres://skylift:skylift@127.0.0.1:{pg_port}/skylift",
        url=f"http://127.0.0.1:{web_port}",
        hosts=(f"{project}-1", f"{project}-2"),
        compose=_compose_command(),
    )
    try:
        yield stack
    finally:
        started = time.monotonic()
        stack.run("down", "--volumes", "--remove-orphans", "--timeout", "3", check=False)
        client = docker.from_env()
        for name in stack.hosts:  # the function containers its agents started, and their network
            for container in client.containers.list(all=True, filters={"label": f"skylift.host={name}"}):
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)
        for network in client.networks.list(names=[project]):
            with contextlib.suppress(docker.errors.APIError):
                network.remove()
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(f"{SERVER_IMAGE}:{base_tag}")  # the pin (the base stays)
        # The server images of earlier runs that this one's replaced (a new base or new sources);
        # skylift/stack-test-server:latest stays for the next run's cache.
        with contextlib.suppress(docker.errors.APIError):
            client.images.prune(filters={"dangling": True, "label": "skylift.stack-test"})
        shutil.rmtree(work, ignore_errors=True)
        stack.timings["down"] = time.monotonic() - started
        print(f"\nstack timings (s): {json.dumps({k: round(v, 1) for k, v in stack.timings.items()})}")


def _timed(stack: Stack, phase: str, started: float) -> float:
    now = time.monotonic()
    stack.timings[phase] = now - started
    return now


def test_it_runs_hello_through_the_compose_stack_with_two_host_agents(tmp_path):
    with _stack() as stack:
        t = time.monotonic()
        # given the stack up, every image built here (the control plane's own agent makes its token)
        # (two images, which the other services share: the datastores' from Docker's cache after the
        # first time, the server's from platform/docker/server.Dockerfile, pip installing it)
        _pin_server_base(stack.env["SKYLIFT_TEST_SERVER_BASE"].partition(":")[2])
        with _build_ca():  # --force-rm: a failed step's container is not left behind
            stack.run("build", "--force-rm", "postgres", "migrate", timeout=900)
        t = _timed(stack, "build", t)
        stack.run("up", "-d", "--no-build", "web", "worker", "agent")
        t = _timed(stack, "up", t)
        # and a second host joining with a token the operator made for it, and a user with a token
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            made = pool.submit(stack.manage, "host_token", "create", stack.hosts[1])
            user = json.loads(
                stack.manage(
                    "create_user", "--username", "ada", "--workspace", "stack", "--role", "owner", "--token"
                )
            )
            host_token = made.result(timeout=120).strip()
        assert host_token.startswith("ht-"), host_token
        stack.env["SKYLIFT_HOST_2_TOKEN"] = host_token
        stack.run("up", "-d", "--no-build", "--no-deps", "agent-2")
        t = _timed(stack, "tokens and second agent", t)
        # then both hosts register, each by its own token, the second's worker on its own queue
        hosts = wait_for(
            lambda: stack.sql(
                "SELECT h.name, t.id, t.automatic FROM hosts_host h JOIN hosts_hosttoken t ON t.id = h.token_id "
                "WHERE h.lease_expires_at > now() ORDER BY h.name"
            ),
            lambda rows: len(rows) == 2 and f"queue host.{stack.hosts[1]}" in stack.logs("agent-2"),
            attempts=900,
        )
        assert [(name, automatic) for name, _, automatic in hosts] == [
            (stack.hosts[0], True),
            (stack.hosts[1], False),
        ], stack.logs("agent", "agent-2")
        assert hosts[1][1] == host_token.partition(":")[0]
        assert f"queue host.{stack.hosts[1]}" in stack.logs("agent-2")
        t = _timed(stack, "agents registered", t)

        # then the image's dashboard (the frontend/dist it was built with) is served, its assets too
        page = httpx.get(f"{stack.url}/", timeout=30)
        assert page.status_code == 200 and '<div id="root">' in page.text, page.text[:500]
        script = re.search(r'<script[^>]* src="(/static/[^"]+\.js)"', page.text)
        assert script, page.text[:500]
        asset = httpx.get(f"{stack.url}{script[1]}", timeout=30)
        assert asset.status_code == 200 and "javascript" in asset.headers["content-type"], script[1]

        # when examples/hello.py runs through it with the SDK
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
        env |= {
            "SKYLIFT_CONFIG_PATH": str(tmp_path / "skylift.toml"),
            "SKYLIFT_SERVER_URL": stack.url,
            "SKYLIFT_TOKEN_ID": user["token_id"],
            "SKYLIFT_TOKEN_SECRET": user["token_secret"],
        }
        ran = subprocess.run(
            [SKYLIFT, "run", "examples/hello.py"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
        t = _timed(stack, "hello.py", t)
        # then it prints the square computed in a container on one of the two hosts
        assert ran.returncode == 0, f"{ran.stdout}\n{ran.stderr}\n{stack.logs('worker', 'agent', 'agent-2')}"
        assert (
            "7² = 49, computed in a container on Python 3.11" in ran.stdout and "(remote=True)" in ran.stdout
        )
        assert "squaring 7 in container" in ran.stdout + ran.stderr
        ran_on = stack.sql(
            "SELECT DISTINCT h.name FROM functions_task t JOIN hosts_host h ON h.id = t.host_id"
        )
        assert ran_on and {name for (name,) in ran_on} <= set(stack.hosts)

        # when the operator revokes the second host's token
        stack.manage("host_token", "revoke", hosts[1][1])
        # then that host leaves placement at once, and its agent stops, saying why
        assert stack.sql("SELECT draining FROM hosts_host WHERE name = %s", [stack.hosts[1]]) == [(True,)]
        refused = wait_for(lambda: stack.logs("agent-2"), lambda out: "was revoked" in out, attempts=300)
        assert f"host token {hosts[1][1]} of host {stack.hosts[1]} was revoked" in refused
        for container in stack.containers("agent-2"):  # its restart policy would start it again and again
            container.stop(timeout=1)
        _timed(stack, "revoked", t)
