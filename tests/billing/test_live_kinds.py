"""Metering of every kind of container on the real platform: a sandbox (with the disk it wrote) and
a build step are metered once, for their whole lives, and say what they were."""

from __future__ import annotations

import json
import uuid

import pytest

import skylift
from skylift._build import image_build
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

# What a container's records hold: seconds, count, the kinds, CPU measured, disk, apps.
RECORDS = """
SELECT coalesce(sum(seconds), 0), count(*), array_agg(DISTINCT kind), coalesce(sum(cpu_used_seconds), 0),
       coalesce(sum(disk_gib_seconds), 0), coalesce(sum(memory_gib_seconds), 0), count(app_id), min(workspace_id)
  FROM billing_usagerecord WHERE {column} = %s
"""


def _lived(platform, table: str, column_id: str, started: str, stopped: str) -> float | None:
    rows = platform.sql(
        f"SELECT extract(epoch FROM {stopped} - {started}) FROM {table} WHERE id = %s AND {stopped} IS NOT NULL",
        [column_id],
    )
    return float(rows[0][0]) if rows else None


def test_a_sandbox_is_metered_as_a_sandbox_with_the_disk_it_wrote(platform):
    user = platform.users["alice"]
    client = platform.client("alice")
    # given a sandbox of 0.125 cores and 128 MiB that writes 300 MiB to its disk, then idles
    sb = skylift.Sandbox.create(
        "sh", "-c", "head -c 314572800 /dev/zero > /var/tmp/fill && sleep 4", client=client, timeout=120
    )
    sb.wait()
    # when its records cover its whole life (the agent's rounds after its end)
    lived = wait_for(
        lambda: _lived(platform, "functions_sandbox", sb.object_id, "started_at", "stopped_at"), bool
    )
    row = wait_for(
        lambda: platform.sql(RECORDS.format(column="sandbox_id"), [sb.object_id])[0],
        lambda r: abs(r[0] - lived) <= 1e-3,
    )
    seconds, records, kinds, _, disk, memory, with_app, workspace = row
    # then each second of it is in exactly one record, written over several rounds, as a sandbox
    assert seconds == pytest.approx(lived, abs=1e-3) and records >= 2
    assert kinds == ["sandbox"] and with_app == 0 and workspace == user.workspace_id
    # and the disk it wrote was measured (300 MiB for some of its seconds), never above what it wrote
    assert 0 < disk <= 0.3 * lived
    assert memory >= 0.125 * lived - 1e-6


def test_a_build_step_is_metered_as_the_builds(platform):
    user = platform.users["alice"]
    # given an image whose new step burns 1.5 s of CPU and sleeps 2 s
    marker = uuid.uuid4().hex[:8]
    burn = "python3 -c 'import time\nt=time.process_time()\nwhile time.process_time()-t<1.5: pass'"
    image = skylift.Image.debian_slim().run_commands(f"echo {marker} && {burn} && sleep 2")
    before = {r[0] for r in platform.sql("SELECT id FROM builds_build")}
    # when it is built
    image_build(platform.client("alice"), image)
    (build_id, steps) = next(
        (i, s) for i, s in platform.sql("SELECT id, steps FROM builds_build") if i not in before
    )
    steps = steps if isinstance(steps, list) else json.loads(steps)
    ran = [s for s in steps if s["status"] == "built"]
    # then the step's container is metered as the build's, in the build's workspace, with no app
    seconds, records, kinds, cpu_used, _, _, with_app, workspace = platform.sql(
        RECORDS.format(column="build_id"), [build_id]
    )[0]
    assert kinds == ["build"] and with_app == 0 and workspace == user.workspace_id
    # for the seconds its container lived: the 2 s it slept and 1.5 s it burned at least, no more
    # than the builder's own time for the steps it built, over more than one round
    assert 3.5 <= seconds <= sum(s["duration"] for s in ran) and records >= 2
    # and charged the CPU it used (the last second of a container may go unsampled)
    assert cpu_used >= 0.5


def test_the_steps_dockers_builder_runs_are_metered_as_the_builds(platform):
    user = platform.users["alice"]
    # given an image whose Dockerfile RUN burns a fixed amount of CPU (a count, not a time: on a
    # loaded machine a timed burn gets little of a core) and sleeps 2 s, then an ENV and a WORKDIR
    # step: each runs in a container of Docker's own builder, not Skylift's
    marker = uuid.uuid4().hex[:8]
    burn = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done"  # about 0.5-1 s of a core in dash
    image = (
        skylift.Image.debian_slim()
        .dockerfile_commands([f"RUN echo {marker} && {burn} && sleep 2"])
        .env({"MARKER": marker})
        .workdir(f"/work-{marker}")
    )
    before = {r[0] for r in platform.sql("SELECT id FROM builds_build")}
    # when it is built
    image_build(platform.client("alice"), image)
    (build_id, steps) = next(
        (i, s) for i, s in platform.sql("SELECT id, steps FROM builds_build") if i not in before
    )
    steps = steps if isinstance(steps, list) else json.loads(steps)
    ran = [s for s in steps if s["status"] == "built"]
    # then each of the three steps' containers is metered as the build's, in its workspace
    seconds, records, kinds, cpu_used, _, _, with_app, workspace = platform.sql(
        RECORDS.format(column="build_id"), [build_id]
    )[0]
    assert kinds == ["build"] and with_app == 0 and workspace == user.workspace_id
    containers = platform.sql(
        "SELECT count(DISTINCT split_part(key, ':', 2)) FROM billing_usagerecord WHERE build_id = %s",
        [build_id],
    )[0][0]
    assert len(ran) == 3 and containers == 3
    # for the seconds they lived: the RUN's 2 s of sleep at least, no more than the builder's own
    # time for the steps
    assert 2 <= seconds <= sum(s["duration"] for s in ran) and records >= 3
    # and the RUN is charged the CPU its container's cgroup measured (counted before the sleep)
    assert cpu_used >= 0.3
