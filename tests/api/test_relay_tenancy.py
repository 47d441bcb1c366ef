"""Relay-level probes: a container may touch only the inputs its own task claimed (RELIABILITY 8).

A real relay (`hosts.relay.Relay`, in a thread of this process) serves per-task Unix sockets, and
the probes speak its wire protocol as a container would, holding a valid token of their own
task: they forge an output, a generator value, a requeue and a claim for an input that another
container holds (of another workspace, and of the same function in the same workspace).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from functions import delivery
from functions import services as function_services
from functions.models import Input, InputStatus, OutputItem, Task, TaskStatus
from functions.queues import cancel_key, input_queue_key, redis_client
from hosts.relay import Relay, task_dir
from hosts.relay_calls import ContainerCalls
from skylift.contract.protocol import encode_frame, read_frame

from .support import make_objects, make_trio


class RelayThread:
    """A relay on an event loop of its own, in a daemon thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.relay = self.call(self._make())

    async def _make(self) -> Relay:
        relay = Relay(calls=ContainerCalls)
        await relay.store.open()
        return relay

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def stop(self, containers) -> None:
        for container in containers:
            container.sock.close()
        self.call(asyncio.sleep(0.2))  # their connections end on the relay's side
        for task_id in list(self.relay.servers):
            self.call(self.relay.close_task(task_id))
        self.call(self.relay.store.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


class Container:
    """A container's side of its socket."""

    def __init__(self, relay: RelayThread, task: Task):
        token = secrets.token_urlsafe(16)
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.RUNNING, token_hash=hashlib.sha256(token.encode()).hexdigest()
        )
        relay.call(relay.relay.open_task(task.pk))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(str(task_dir(task.pk) / "sock"))
        relay.containers.append(self)
        reply, _ = self.ask({"op": "hello", "token": token})
        assert "session" in reply, reply

    def ask(self, header: dict, body: bytes = b"") -> tuple[dict, bytes]:
        self.sock.sendall(encode_frame(header, body))
        return read_frame(self.sock)

    def put(self, input_id: str, attempt: int, body: bytes) -> dict:
        output = {
            "id": input_id,
            "attempt": attempt,
            "kind": "value",
            "cause": "",
            "message": "",
            "size": len(body),
        }
        return self.ask({"op": "put", "outputs": [output]}, body)[0]


@pytest.fixture
def relay(transactional_db, settings, tmp_path):
    # Not under tmp_path: a container's socket path must stay under AF_UNIX's 107 bytes, and
    # pytest's (longer under xdist, ".../popen-gw1/...") leaves too little room.
    sockets = Path(tempfile.mkdtemp(prefix="sk-"))
    settings.SKYLIFT_SOCKET_DIR = str(sockets)
    settings.SKYLIFT_HOST_DIR = str(tmp_path / "host")
    running = RelayThread()
    running.containers = []
    yield running
    running.stop(running.containers)
    shutil.rmtree(sockets, ignore_errors=True)


@pytest.fixture
def world(relay):
    trio = make_trio()
    a, b = make_objects(trio.alice, tag="alpha"), make_objects(trio.charlie, tag="bravo")
    (input_id,) = a.input_ids
    other_function = function_services.function_create(
        app=a.app, spec={"name": "cube", "module": "mod", "qualname": "cube", "mount_sha256": a.mount.sha256}
    )
    tasks = {
        "owner": a.task,  # holds A's input
        "stranger": b.task,  # another workspace
        "neighbour": Task.objects.create(workspace=a.task.workspace, function=a.function),  # same function
        "sibling": Task.objects.create(workspace=a.task.workspace, function=other_function),  # same workspace
    }
    containers = {name: Container(relay, task) for name, task in tasks.items()}
    delivery.run(delivery.claim(a.task.pk, [input_id]))
    return {"a": a, "input": input_id, "tasks": tasks, **containers}


def _untouched(input_id: str) -> None:
    row = Input.objects.get(pk=input_id)
    assert (row.status, row.attempt, row.result, row.preemptions) == (InputStatus.RUNNING, 1, None, 0)
    assert not OutputItem.objects.filter(input_id=input_id).exists()


@pytest.mark.parametrize("forger", ["stranger", "neighbour", "sibling"])
def test_another_container_cannot_forge_an_output_item_or_requeue(world, forger):
    # given another container: of another workspace, of the same function, of the same workspace
    container, input_id, call_id = world[forger], world["input"], world["a"].call.pk
    # when it sends an output, a generator value and a requeue for the input A's container holds
    assert container.put(input_id, 1, b"forged") == {"ok": True}
    container.ask({"op": "item", "id": input_id, "call_id": call_id, "attempt": 1, "n": 0}, b"forged")
    container.ask({"op": "requeue", "inputs": [{"id": input_id, "attempt": 1}]})
    # then nothing changed
    _untouched(input_id)
    # and the holder's own output is the one A's caller gets
    world["owner"].put(input_id, 1, b"real")
    row = Input.objects.get(pk=input_id)
    assert (row.status, bytes(row.result)) == (InputStatus.SUCCEEDED, b"real")


@pytest.mark.parametrize("forger", ["stranger", "sibling"])
def test_a_container_cannot_claim_an_input_of_another_function(world, forger):
    # given A's input pending again, and its id pushed into the queue of another function
    input_id = world["input"]
    delivery.run(delivery.inputs_released(world["a"].task.pk, [input_id]))
    queue = input_queue_key(world["tasks"][forger].function_id)
    redis_client().delete(queue)
    redis_client().rpush(queue, input_id)
    # when that function's container asks for inputs
    reply, _ = world[forger].ask({"op": "get", "max": 1, "timeout": 0.5})
    # then it gets none, and the input still waits for A's function
    assert reply["inputs"] == []
    row = Input.objects.get(pk=input_id)
    assert (row.status, row.attempt, row.task_id) == (InputStatus.PENDING, 1, None)


def test_a_closed_socket_drops_its_sessions(relay, world):
    task_id = world["tasks"]["stranger"].pk
    sessions = set(relay.relay.task_sessions[task_id])
    assert sessions and sessions <= set(relay.relay.sessions)
    relay.call(relay.relay.close_task(task_id))
    assert task_id not in relay.relay.task_sessions
    assert not sessions & set(relay.relay.sessions)


def test_a_cancellation_picked_up_for_a_watcher_that_hung_up_waits_for_the_next_watch(relay, world):
    # given a container watching for cancellations, which hangs up while the relay waits
    task_id = world["tasks"]["owner"].pk
    watcher = Container(relay, world["tasks"]["owner"])
    watcher.sock.sendall(encode_frame({"op": "watch", "timeout": 2}))
    watcher.sock.shutdown(socket.SHUT_RDWR)
    relay.call(asyncio.sleep(0.5))  # the relay sees the hang-up while it waits
    # when a cancellation arrives during that long-poll
    redis_client().rpush(cancel_key(task_id), world["input"])
    relay.call(asyncio.sleep(2.5))  # the relay's wait ends
    # then it is kept for the container's next watch
    reply, _ = world["owner"].ask({"op": "watch", "timeout": 1})
    assert reply == {"cancel": [world["input"]]}
