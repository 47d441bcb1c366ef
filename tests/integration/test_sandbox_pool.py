"""The pool of sandbox containers against the real platform: a create served by a container started
before it, the pool refilled, a claimed sandbox behaving as a fresh one (its app's variables,
its own id), another shape never pooled, and a workspace whose pool is off.
(Every sandbox test of the session also runs on pooled containers once their image's pool is
full; the embedded server's test sees pooled containers stopped with the platform.)"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

import skylift

pytestmark = pytest.mark.integration


def _until(probe, seconds: float = 90.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("gave up waiting")


def _workspace(platform, sandbox_id: str) -> tuple[str, str]:
    return platform.sql("SELECT workspace_id, image_id FROM functions_sandbox WHERE id = %s", [sandbox_id])[0]


def _ready(platform, workspace: str, image: str) -> dict[str, str]:
    """The pool's running containers: sandbox id -> container id."""
    rows = platform.sql(
        """SELECT id, container_id FROM functions_sandbox
            WHERE pool AND status = 'running' AND workspace_id = %s AND image_id = %s""",
        [workspace, image],
    )
    return dict(rows)


def test_a_create_is_served_by_a_container_started_before_it_and_the_pool_is_refilled(platform):
    client = platform.client("alice")
    app = skylift.App("pool-home")

    @app.function(serialized=True, name="noop")
    def noop() -> None:
        pass

    app.deploy(client=client)
    # given a sandbox of the common shape (its image's pool starts) and the pool full
    first = skylift.Sandbox.create(client=client, timeout=60)
    workspace, image = _workspace(platform, first.object_id)
    first.terminate()
    ready = _until(lambda: (r := _ready(platform, workspace, image)) and len(r) == 2 and r)
    # when a sandbox is created, with an app
    asked = datetime.now(UTC)
    sb = skylift.Sandbox.create(app=app, client=client, timeout=60)
    try:
        # then it is one of the pooled sandboxes, its container made before it was asked for
        assert sb.object_id in ready
        ((pooled_at, container),) = platform.sql(
            "SELECT pooled_at, container_id FROM functions_sandbox WHERE id = %s AND NOT pool", [sb.object_id]
        )
        assert pooled_at < asked and container == ready[sb.object_id]
        (inspected,) = platform.containers(sandbox=sb.object_id)
        assert inspected["Id"] == container
        created = datetime.fromisoformat(inspected["Created"][:26].rstrip("Z") + "+00:00")
        assert created < asked
        # and it behaves as a fresh one: its own id, its app's variables, a command's exit code
        shown = sb.exec("sh", "-c", 'echo "$SKYLIFT_SANDBOX_ID $MODAL_SANDBOX_ID $SKYLIFT_APP_ID"; exit 4')
        assert shown.stdout.read().split() == [sb.object_id, sb.object_id, app.app_id]
        assert shown.wait() == 4
        # and its processes are started by its launcher (hosts/sandbox_launcher.py), not docker exec
        parent = sb.exec("sh", "-c", 'tr "\\0" " " < /proc/$PPID/cmdline')
        assert "/skylift/launch/launcher.py" in parent.stdout.read() and parent.wait() == 0
        # and the pool is refilled to its size with new containers
        refilled = _until(lambda: (r := _ready(platform, workspace, image)) and len(r) == 2 and r)
        assert sb.object_id not in refilled
    finally:
        sb.terminate()
    # and a terminated claimed sandbox ends as any other
    sb.wait()
    assert sb.returncode is not None
    _until(lambda: not platform.containers(sandbox=sb.object_id))


def test_a_sandbox_of_another_shape_starts_its_own_container(platform):
    client = platform.client("alice")
    seed = skylift.Sandbox.create(client=client, timeout=60)
    workspace, image = _workspace(platform, seed.object_id)
    seed.terminate()
    _until(lambda: len(_ready(platform, workspace, image)) == 2)
    sb = skylift.Sandbox.create(client=client, cpu=0.25, timeout=60)
    try:
        assert platform.sql("SELECT pooled_at FROM functions_sandbox WHERE id = %s", [sb.object_id]) == [
            (None,)
        ]
        assert sb.exec("echo", "own").stdout.read() == "own\n"
    finally:
        sb.terminate()


def test_a_workspace_whose_pool_is_off_keeps_no_pooled_container(platform):
    client = platform.client("charlie")
    platform.sql("UPDATE accounts_workspace SET sandbox_pool_size = 0 WHERE name = 'charlie-ws'")
    try:
        made = []
        for _ in range(2):
            sb = skylift.Sandbox.create(client=client, timeout=60)
            made.append(sb)
            assert sb.exec("true").wait() == 0
        workspace, _ = _workspace(platform, made[0].object_id)
        # then neither came from a pool, and none is kept for it
        pooled = platform.sql(
            "SELECT count(*) FROM functions_sandbox WHERE workspace_id = %s AND pooled_at IS NOT NULL",
            [workspace],
        )
        assert pooled == [(0,)]
        for sb in made:
            sb.terminate()
    finally:
        platform.sql("UPDATE accounts_workspace SET sandbox_pool_size = NULL WHERE name = 'charlie-ws'")
