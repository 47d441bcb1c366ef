"""Metering of build steps: the containers an image build runs its steps in.

Build steps run in the builds worker (builds/docker_builder.py), not under a host agent, so the
builder meters them itself, the same way (billing/metering.py): a sampler thread reads the step
container's cgroup every second and writes its usage every SKYLIFT_METER_SECONDS, and the window up
to the container's end is written when it ends. Each container is its own subject
(`<build id>:<container id>`), with the build's workspace and no reservation: a step is charged
the CPU and memory it used, and the GPUs it held.

`step(build, gpu)` says which build the containers started inside it belong to (builds/steps.py
sets it around a step); `container(container_id)` meters one while it runs: a step container of
Skylift's own (`docker_builder.run_and_commit`), or an intermediate container of Docker's builder
(`docker_builder.build_dockerfile`, from the output line announcing it to the one removing it). A container started
outside a step (the platform's own base images) is not metered. If the builds worker dies mid-step, the window
its sampler had not written is lost, and a step container of Skylift's own runs on unmetered to its
end (docs/billing.md, "Build steps").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection

from . import cgroups, metering
from .models import UsageKind

log = logging.getLogger("skylift.billing")

_STEP: ContextVar[metering.Subject | None] = ContextVar("billing_build_step", default=None)
SAMPLE_SECONDS = 1.0


def _db_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


@contextmanager
def step(build, gpu: str | None = None) -> Iterator[None]:
    """Containers started inside are the build's (gpu: the step's "TYPE:count" spec)."""
    kind, _, count = (gpu or "").partition(":")
    subject = metering.Subject(
        id=build.id,
        kind=UsageKind.BUILD,
        workspace_id=build.workspace_id,
        environment_id=None,
        app_id=None,
        function_id=None,
        task_id=None,
        sandbox_id=None,
        build_id=build.id,
        cpu=0.0,
        memory=0.0,
        gpu_type=kind,
        gpus=int(count or 1) if kind else 0,
        started_at=datetime.min.replace(tzinfo=UTC),  # set per container
        stopped_at=None,
    )
    token = _STEP.set(subject)
    try:
        yield
    finally:
        _STEP.reset(token)


class _Sampler(threading.Thread):
    def __init__(self, subject: metering.Subject, container_id: str):
        super().__init__(daemon=True, name=f"meter-{container_id[:12]}")
        self.subject = subject
        self.container_id = container_id
        self.stop = threading.Event()
        self.last: cgroups.Sample | None = None

    def run(self) -> None:
        every = max(SAMPLE_SECONDS, settings.SKYLIFT_METER_SECONDS)
        ticks = 0
        try:
            while not self.stop.wait(SAMPLE_SECONDS):
                self.last = cgroups.sample(self.container_id) or self.last
                ticks += 1
                if ticks * SAMPLE_SECONDS >= every:
                    ticks = 0
                    try:
                        metering.meter_subject(self.subject, self.last)
                    except Exception:  # noqa: BLE001 - the next write covers this window
                        log.warning(
                            "metering build container %s failed", self.container_id[:12], exc_info=True
                        )
        finally:
            connection.close()  # this thread's own


@contextmanager
def container(container_id: str) -> Iterator[None]:
    """Meter a build container from now until the block ends (its end)."""
    owner = _STEP.get()
    if owner is None or settings.SKYLIFT_METER_SECONDS <= 0:
        yield
        return
    subject = replace(owner, id=f"{owner.build_id}:{container_id[:16]}", started_at=_db_now())
    sampler = _Sampler(subject, container_id)
    sampler.start()
    try:
        yield
    finally:
        sampler.stop.set()
        sampler.join(timeout=30)
        try:
            metering.meter_subject(replace(subject, stopped_at=_db_now()), sampler.last)
        except Exception:  # noqa: BLE001 - a build never fails for its metering
            log.warning("metering build container %s failed", container_id[:12], exc_info=True)
