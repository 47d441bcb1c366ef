"""Image builds: resolving an unchanged image, and rebuilding after a change to the last step,
side by side with `docker build` of the equivalent Dockerfile (issue 4, "Speed").

    source .cache/test-services/env        # DATABASE_URL and REDIS_URL of a PostgreSQL and a Redis
    .venv/bin/python benchmarks/images.py --runs 5

It makes a database of its own (dropped at the end), starts the ASGI server on it (the resolve
path is web-only: no worker is needed when every layer is cached), and runs builds in this
process with the same code the `builds` Celery worker runs (so Celery's queueing is not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as stdlib_platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parents[1]
BASE = "skylift/debian-slim:3.11"


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _steps(marker: str) -> tuple[list[dict], str]:
    """The image as Skylift steps, and the same image as a Dockerfile."""
    steps = [
        {"kind": "run_commands", "commands": ["python3 -c 'print(sum(range(10**6)))' > /opt/sum.txt"]},
        {"kind": "env", "vars": {"MODE": "bench"}},
        {"kind": "run_commands", "commands": [f"echo {marker} > /opt/last.txt"]},
    ]
    dockerfile = (
        f"FROM {BASE}\n"
        "RUN python3 -c 'print(sum(range(10**6)))' > /opt/sum.txt\n"
        'ENV MODE="bench"\n'
        f"RUN echo {marker} > /opt/last.txt\n"
    )
    return steps, dockerfile


def _docker_build(builder: tuple[list[str], dict], dockerfile: str, tag: str, workdir: Path) -> float:
    command, extra_env = builder
    (workdir / "Dockerfile").write_text(dockerfile)
    started = time.perf_counter()
    subprocess.run(
        [*command, "-q", "-t", tag, str(workdir)],
        check=True,
        capture_output=True,
        env={**os.environ, **extra_env},
    )
    return time.perf_counter() - started


def _client_major(cli: str) -> int:
    out = subprocess.run(
        [cli, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True
    ).stdout
    try:
        return int(out.strip().split(".")[0])
    except ValueError:
        return 0


def _builders() -> dict[str, tuple[list[str], dict]]:
    """The `docker build`s to compare with: the legacy builder, and BuildKit where this machine has
    it, through the buildx plugin or through a Docker CLI older than 23 (which drives the engine's
    own BuildKit without buildx, e.g. Debian's docker.io at /usr/bin/docker)."""
    builders = {"legacy builder": (["docker", "build"], {"DOCKER_BUILDKIT": "0"})}
    if subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode == 0:
        # The engine's own BuildKit (the `default` builder), as the CLI without buildx would use.
        builders["BuildKit"] = (["docker", "buildx", "build", "--builder", "default", "--load"], {})
    else:
        for cli in dict.fromkeys(filter(None, [shutil.which("docker"), "/usr/bin/docker"])):
            if Path(cli).exists() and 18 <= _client_major(cli) < 23:
                builders["BuildKit"] = ([cli, "build"], {"DOCKER_BUILDKIT": "1"})
                break
    return builders


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resolves", type=int, default=50)
    args = parser.parse_args()
    base_db, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not base_db or not redis_url:
        sys.exit("Set DATABASE_URL and REDIS_URL (source .cache/test-services/env).")
    import psycopg

    name = f"skylift_bench_images_{secrets.token_hex(3)}"
    with psycopg.connect(_with_db(base_db, "postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="skylift-bench-images-"))
    env = {
        **os.environ,
        "DATABASE_URL": _with_db(base_db, name),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SKYLIFT_DATA_DIR": str(work / "data"),
    }
    os.environ.update(env)
    web = None
    tags: list[str] = []
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        user = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "create_user",
                    "--username",
                    "bench",
                    "--workspace",
                    "bench",
                    "--role",
                    "owner",
                    "--password",
                    secrets.token_urlsafe(12),
                    "--token",
                ],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        port = _free_port()
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=REPO,
            env=env,
            stdout=(work / "web.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        from accounts.models import Workspace
        from builds import services
        from builds.models import Build

        workspace = Workspace.objects.get(pk=user["workspace_id"])

        def build(steps: list[dict]) -> tuple[float, list[str]]:
            started = time.perf_counter()
            resolved = services.image_ensure(
                workspace=workspace, spec={"base": "debian_slim", "steps": steps}
            )
            if resolved.build is not None:
                Build.objects.filter(pk=resolved.build.pk).update()  # the row is committed (autocommit)
                services.build_run(build_id=resolved.build.pk)
            elapsed = time.perf_counter() - started
            row = Build.objects.get(pk=resolved.build.pk) if resolved.build else None
            if row is not None and row.status != "succeeded":
                raise SystemExit(f"build failed: {row.error}")
            return elapsed, [s["status"] for s in row.steps] if row else []

        # Warm both caches with the first version of the image.
        salt = secrets.token_hex(4)
        steps, dockerfile = _steps("v0")
        build(steps)
        builders = _builders()
        for builder in builders.values():
            _docker_build(builder, dockerfile, "skylift-bench/images:warm", work)
        tags.append("skylift-bench/images:warm")

        # 1. Resolving the unchanged image: the service alone, and over HTTP as the SDK does.
        service_times = []
        for _ in range(args.resolves):
            t, statuses = build(steps)
            assert not statuses, "an unchanged image must not build"
            service_times.append(t)
        body = json.dumps({"base": "debian_slim", "steps": steps}).encode()
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        http_times = []
        for _ in range(args.resolves):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/images/",
                data=body,
                headers={
                    "Authorization": f"Bearer {user['token_id']}:{user['token_secret']}",
                    "Content-Type": "application/json",
                },
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200, response.status
                response.read()
            http_times.append(time.perf_counter() - started)

        # 2. Changing only the last step, Skylift and each docker builder in turn.
        skylift_times: list[float] = []
        docker_times: dict[str, list[float]] = {name: [] for name in builders}
        for run in range(1, args.runs + 1):
            # A marker new to this invocation: docker's caches outlive it (Skylift's database does not).
            steps, dockerfile = _steps(f"{salt}-v{run}")
            t, statuses = build(steps)
            assert statuses == ["cached", "cached", "cached", "built"], statuses
            skylift_times.append(t)
            for name, builder in builders.items():
                tag = f"skylift-bench/images:run{run}-{name.split()[0].lower()}"
                docker_times[name].append(_docker_build(builder, dockerfile, tag, work))
                tags.append(tag)

        # 3. Once more after the workspace's build network holder went away (made again: the
        # first build of a workspace on a host, or one after ten idle minutes).
        from builds.docker_builder import retire_idle_network_holders

        retire_idle_network_holders(0)
        steps, _ = _steps(f"{salt}-cold")
        cold, statuses = build(steps)
        assert statuses == ["cached", "cached", "cached", "built"], statuses

        def ms(values):
            return f"{statistics.median(values) * 1000:.0f} ms"

        # The target is against BuildKit where this machine has it, else the legacy builder.
        baseline = "BuildKit" if "BuildKit" in builders else "legacy builder"
        ratios = {
            name: statistics.median(skylift_times) / statistics.median(t) for name, t in docker_times.items()
        }
        result = {
            "resolve_unchanged_service_median_s": statistics.median(service_times),
            "resolve_unchanged_http_median_s": statistics.median(http_times),
            "resolve_unchanged_http_p90_s": sorted(http_times)[int(len(http_times) * 0.9) - 1],
            "rebuild_last_step_skylift_median_s": statistics.median(skylift_times),
            "rebuild_last_step_docker_build_median_s": {
                n: statistics.median(t) for n, t in docker_times.items()
            },
            "rebuild_last_step_skylift_holder_made_s": cold,
            "ratio": ratios[baseline],
            "ratios": ratios,
            "docker_builder": baseline,
            "runs": args.runs,
            "machine": f"{stdlib_platform.machine()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        }
        print()
        print("| measure | Skylift | docker build | target |")
        print("| --- | --- | --- | --- |")
        print(f"| resolve unchanged image (service) | {ms(service_times)} | | < 200 ms |")
        print(f"| resolve unchanged image (HTTP POST /api/v1/images/) | {ms(http_times)} | | < 200 ms |")
        for name, times in docker_times.items():
            ratio = ratios[name]
            verdict = f"{'pass' if ratio <= 1.1 else 'FAIL'} ({ratio:.2f}×)"
            target = f"≤ 1.1 × docker build: {verdict}" if name == baseline else f"(reported: {ratio:.2f}×)"
            print(
                f"| rebuild after changing the last step (median of {args.runs}), vs {name} | "
                f"{ms(skylift_times)} | {ms(times)} | {target} |"
            )
        print(
            "| the same rebuild when the workspace's build network holder must be made first | "
            f"{cold * 1000:.0f} ms | | (reported) |"
        )
        print(
            f"docker builders: {', '.join(builders)}; the target is against {baseline}; {result['machine']}"
        )
        out = REPO / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        (out / f"images-{commit}.json").write_text(json.dumps(result, indent=2))
        return 0
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        for tag in tags:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        try:
            from builds.docker_builder import retire_idle_network_holders

            retire_idle_network_holders(0)
        except Exception:  # noqa: BLE001 - cleanup is best-effort
            pass
        try:
            from builds.models import Layer

            refs = list(
                Layer.objects.filter(docker_ref__startswith="skylift/layer:").values_list(
                    "docker_ref", flat=True
                )
            )
            connections.close_all()
            subprocess.run(["docker", "rmi", "-f", *refs], capture_output=True)
        except Exception:  # noqa: BLE001 - cleanup is best-effort
            pass
        with psycopg.connect(_with_db(base_db, "postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
