"""Cold starts per version: GET /apps/{id}/versions/ reports each version's, beside its predecessor's,
and flags a version whose median is more than 1.5x the previous one's."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps import coldstarts, deployments
from apps.models import AppVersion
from functions import services as function_services
from functions.models import Function, Task

from .support import source_tar


def _deploy(member, release: int):
    content = source_tar(f"def square(x):\n    return x * {release}\n")
    sha = hashlib.sha256(content).hexdigest()
    function_services.mount_store(workspace=member.workspace, sha256=sha, content=content)
    spec = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": sha}
    return deployments.app_deploy(
        workspace=member.workspace, user=member.user, name="cold", environment=None, functions=[spec]
    )


def _containers(version: AppVersion, seconds: list[float], *, not_started: int = 0) -> None:
    """Containers of the version's function that took `seconds` to start, oldest first."""
    function = Function.objects.get(version=version, variant_key="")
    start = timezone.now() - timedelta(hours=1)
    for i, took in enumerate(seconds):
        created = start + timedelta(seconds=10 * i)
        Task.objects.create(
            workspace=function.workspace,
            function=function,
            status="stopped",
            created_at=created,
            started_at=created + timedelta(seconds=took),
        )
    for _ in range(not_started):
        Task.objects.create(workspace=function.workspace, function=function, status="failed")


def test_it_reports_each_versions_cold_starts_and_flags_a_slower_one(trio):
    # given three versions: v2's containers start twice as slowly as v1's, v3's a little faster than v2's
    v1 = _deploy(trio.alice, 1).version
    v2 = _deploy(trio.alice, 2).version
    v3 = _deploy(trio.alice, 3).version
    _containers(v1, [1.0, 1.2, 0.8], not_started=2)
    _containers(v2, [2.0, 2.4, 1.6, 2.2])
    _containers(v3, [2.5])
    # when bob reads the versions
    response = trio.bob.api.get(f"/api/v1/apps/{v1.app_id}/versions/")
    # then
    assert response.status_code == 200, response.content[:300]
    records = {v["number"]: v["cold_starts"] for v in response.json()}
    assert records[1] == {
        "count": 3,
        "median": 1.0,
        "p90": 1.16,
        "first_median": 1.0,
        "first_p90": 1.16,
        "previous_median": None,
        "ratio": None,
        "flagged": False,
    }
    assert (records[2]["median"], records[2]["previous_median"], records[2]["ratio"]) == (2.1, 1.0, 2.1)
    assert records[2]["flagged"] is True
    assert (records[3]["median"], records[3]["previous_median"], records[3]["flagged"]) == (2.5, 2.1, False)


def test_it_flags_only_above_one_and_a_half_times(trio):
    v1 = _deploy(trio.alice, 1).version
    v2 = _deploy(trio.alice, 2).version
    v3 = _deploy(trio.alice, 3).version
    _containers(v1, [2.0])
    _containers(v2, [3.0])  # 1.5x: not more
    _containers(v3, [4.6])  # 1.53x
    found = coldstarts.of_versions([v1, v2, v3])
    assert [found[v.id].flagged for v in (v1, v2, v3)] == [False, False, True]


def test_it_keeps_the_first_twenty_and_rolls_a_window_of_the_last_fifty(trio):
    # given 20 quick first containers, then 40 slow ones
    version = _deploy(trio.alice, 1).version
    _containers(version, [1.0] * 20 + [3.0] * 40)
    # when
    record = coldstarts.of_versions([version])[version.id]
    # then the first twenty are the deploy's record, the last fifty (10 quick, 40 slow) today's
    assert (record.count, record.first_median, record.first_p90) == (60, 1.0, 1.0)
    assert (record.median, record.p90) == (3.0, 3.0)


def test_it_reads_every_versions_cold_starts_in_one_query(trio):
    versions = [_deploy(trio.alice, n).version for n in range(1, 6)]
    for i, version in enumerate(versions):
        _containers(version, [1.0 + i] * 3)
    with CaptureQueriesContext(connection) as queries:
        found = coldstarts.of_versions(versions)
    assert len(queries) == 1
    assert [found[v.id].median for v in versions] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_version_without_containers_has_no_figures(trio):
    version = _deploy(trio.alice, 1).version
    record = coldstarts.of_versions([version])[version.id]
    assert (record.count, record.median, record.p90, record.flagged) == (0, None, None, False)
