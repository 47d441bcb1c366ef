"""The command lines of the platform's processes, in one place.

The embedded platform's supervisor, the host agent (for its container worker) and the test platform
(tests/fixtures/live_platform.py) start them from here. Each runs on the Python that asks, with
DJANGO_SETTINGS_MODULE and the rest of its settings taken from the environment it is given.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["control_worker", "host_agent", "host_worker", "manage", "web"]


def web(*, port: int, graceful_seconds: int = 5) -> list[str]:
    """The ASGI server: API, dashboard, WebSockets and the calls fast path, on 127.0.0.1:port.

    At a stop, connections still open after `graceful_seconds` (long-polls) are closed.
    """
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        # Web endpoints' requests are served by the gateway without uvicorn's per-request machinery.
        "--http",
        "web.front:FrontProtocol",
        "--timeout-graceful-shutdown",
        str(graceful_seconds),
    ]


def _celery_worker(*options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        *options,
        "--without-gossip",
        "--without-mingle",
    ]


def control_worker(
    *, name: str, schedule: Path, loglevel: str = "WARNING", concurrency: int = 2
) -> list[str]:
    """The Celery worker of the `control` and `builds` queues, with beat (the autoscaler, sweeps).

    `name` tells it apart from other platforms' workers on one broker; beat keeps its schedule in
    the file `schedule`.
    """
    return _celery_worker(
        "-Q", "control,builds", "-B", "-c", str(concurrency), "-n", f"{name}@%h",
        "--schedule", str(schedule), "--loglevel", loglevel,
    )  # fmt: skip


def host_worker(*, queue: str, concurrency: int, loglevel: str = "INFO") -> list[str]:
    """The Celery worker of one host's own queue (container starts and stops), in threads."""
    return _celery_worker(
        "-Q", queue, "-P", "threads", "-c", str(concurrency), "-n", f"{queue}@%h", "--loglevel", loglevel
    )


def manage(*args: str) -> list[str]:
    """A Django management command (what `manage.py` runs, without needing that file)."""
    return [sys.executable, "-m", "django", *args]


def host_agent() -> list[str]:
    """This machine's host agent: relay, container worker, heartbeat, container watcher."""
    return manage("host_agent")
