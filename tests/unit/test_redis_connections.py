"""Redis clients are made once per process: repeated calls and build log flushes share connections."""

from __future__ import annotations

import threading
import uuid

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from builds.logs import BuildLog, build_group
from functions.queues import redis_client


def _connections_received() -> int:
    with redis.Redis.from_url(settings.REDIS_URL) as probe:
        return probe.info("stats")["total_connections_received"]


def test_it_gives_every_caller_the_same_client_and_pool():
    assert redis_client() is redis_client()
    assert redis_client().connection_pool is redis_client().connection_pool


def test_build_log_flushes_reuse_their_connections_and_reach_the_dashboards_group():
    # In a thread of its own, as a build runs: in the suite, Playwright's sync API keeps an event
    # loop running in the main thread, where async_to_sync refuses to run.
    errors: list[BaseException] = []

    def body() -> None:
        try:
            _flushes_reuse_connections()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert not thread.is_alive()


def _flushes_reuse_connections() -> None:
    # given a dashboard listening to a build's group, and a build log that has flushed once
    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    build_id = f"bu-{uuid.uuid4().hex[:12]}"
    async_to_sync(layer.group_add)(build_group(build_id), listener)
    sink = BuildLog(build_id)
    sink.line("first")
    sink.flush()
    before = _connections_received()
    # when it flushes twenty times more
    for i in range(20):
        sink.line(f"line {i}")
        sink.flush()
    # then Redis saw no new connection but the probe's own two (one before, one after)
    assert _connections_received() - before == 1

    # and every flush reached the group
    async def receive_all() -> list[str]:
        return [entry["text"] for _ in range(21) for entry in (await layer.receive(listener))["entries"]]

    texts = async_to_sync(receive_all)()
    assert texts == ["first", *[f"line {i}" for i in range(20)]]
