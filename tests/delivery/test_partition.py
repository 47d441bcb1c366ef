"""F9: a host agent partitioned from the control plane (PostgreSQL and Redis both cut off).

A second host agent runs on this machine, reaching PostgreSQL and Redis only through the in-repo
fault proxy, with a short lease. Its input is running when the partition starts; the host is
declared lost, the input runs again elsewhere (attempt 2), and the agent fences itself. When the
partition heals, the first attempt's output, held back all along, arrives and is refused.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.billing.ledger import metered_once
from tests.delivery import partition_app
from tests.fixtures.live_platform import wait_for
from tests.fixtures.partitioned_host import PartitionedHost

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def host(platform, tmp_path_factory):
    partitioned = PartitionedHost(platform, tmp_path_factory.mktemp("f9"))
    try:
        partitioned.wait_registered(platform)
        # New containers go where the most CPU is free: make that this host while it is reachable.
        platform.sql("UPDATE hosts_host SET cpu = 1000 WHERE name = %s", [partitioned.name])
        yield partitioned
    finally:
        # Nothing more lands on it; the rest of the session runs on the platform's own host.
        platform.sql("UPDATE hosts_host SET draining = true WHERE name = %s", [partitioned.name])
        partitioned.stop()


@pytest.fixture(scope="module")
def running(platform, host):
    with partition_app.app.run(client=platform.client("alice")):
        yield platform


def test_f9_a_partitioned_host_is_fenced_and_its_late_output_refused(running, host):
    platform = running
    refused_before = int(platform.redis().hget("skylift:stats", "stale_outputs_refused") or 0)
    # given an input running on the host that is about to be cut off
    call = partition_app.digest_after.spawn(9, 1.0)
    first = wait_for(
        lambda: platform.sql(
            "SELECT i.status, i.attempt, h.name, t.id FROM functions_input i JOIN functions_task t ON t.id = i.task_id"
            " JOIN hosts_host h ON h.id = t.host_id WHERE i.call_id = %s",
            [call.object_id],
        ),
        lambda rows: rows and rows[0][0] == "running",
    )
    assert first[0][:3] == ("running", 1, host.name)
    # when the host's agent loses PostgreSQL and Redis (its output, due in a second, is held back)
    host.partition()
    # then the caller still gets exactly one result, computed by a second attempt elsewhere
    result = call.get(timeout=120)
    assert result["digest"] == hashlib.sha256(b"9").hexdigest()
    (row,) = platform.sql(
        "SELECT i.status, i.attempt, h.name, i.preemptions FROM functions_input i"
        " JOIN functions_task t ON t.id = i.task_id JOIN hosts_host h ON h.id = t.host_id WHERE i.call_id = %s",
        [call.object_id],
    )
    assert row[0] == "succeeded"
    assert row[1] == 2  # a host loss is the platform's fault: requeued as preempted, no retry spent
    assert row[2] == platform.host_name
    assert row[3] == 1
    assert result["task"] != first[0][3]
    # and the agent fenced itself: its container is gone even before the partition heals
    assert wait_for(host.live_containers, lambda live: not live) == []
    assert "fenced" in host.log.read_text()
    assert host.held() > 0  # the partition really held traffic back
    # when the partition heals
    host.heal()
    # then the first attempt's late output arrives and is refused; the result stays the second's
    refused = wait_for(
        lambda: int(platform.redis().hget("skylift:stats", "stale_outputs_refused") or 0),
        lambda n: n > refused_before,
    )
    assert refused == refused_before + 1
    outputs = platform.client("alice").call_outputs(call.object_id, timeout=0)["outputs"]
    assert len(outputs) == 1
    assert platform.sql(
        "SELECT status, attempt FROM functions_input WHERE call_id = %s", [call.object_id]
    ) == [("succeeded", 2)]
    # and nothing is left running on the healed host, nor any input of the call
    assert host.live_containers() == []
    assert platform.sql(
        "SELECT count(*) FROM functions_input WHERE call_id = %s AND status IN ('pending', 'running')",
        [call.object_id],
    ) == [(0,)]
    # and the lost host's container is metered once, to the end the control plane recorded, its
    # seconds neither lost in the partition nor counted again by the healed agent; so is the second
    metered_once(platform, first[0][3])
    metered_once(platform, result["task"], stopped=False)
