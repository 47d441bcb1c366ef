"""Dicts and Queues through the whole platform: shared by the caller and functions in two
containers, a blocked get woken by another container's put, data surviving a Redis restart and a
control-plane restart, bad input, and another workspace's objects (issue 13)."""

from __future__ import annotations

import queue
import threading
import time

import pytest

import skylift
from skylift.exception import InvalidError, NotFoundError, SerializationError
from tests.integration import state_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with state_app.app.run(client=platform.client("alice")):
        yield platform


def test_a_dict_is_shared_by_the_caller_and_two_containers(running):
    client = running.client("alice")
    with skylift.Dict.ephemeral(client=client) as d:
        # the caller writes, a container reads it
        d["from caller"] = {"n": 1}
        assert state_app.reader.remote(d, "from caller") == {"n": 1}
        # one container writes (and sees its own write), another container and the caller read it
        assert state_app.writer.remote(d, "from writer", [1, 2]) == [[1, 2], True, False, 2]
        assert state_app.reader.remote(d, "from writer") == [1, 2]
        assert d["from writer"] == [1, 2] and len(d) == 2
        assert sorted(d.keys()) == ["from caller", "from writer"]
        assert d.pop("from caller") == {"n": 1} and "from caller" not in d
        d.update({"a": 1}, b=2)
        assert dict(d.items()) == {"from writer": [1, 2], "a": 1, "b": 2}
        object_id = d.object_id
    # the ephemeral block ended: the Dict is gone
    with pytest.raises(NotFoundError):
        skylift.Dict.from_id(object_id, client=client).get("a")


def test_named_objects_are_found_by_name_in_a_container(running):
    client = running.client("alice")
    d = skylift.Dict.from_name("it-shared", create_if_missing=True, client=client)
    q = skylift.Queue.from_name("it-shared", create_if_missing=True, client=client)
    d.put("k", "v")
    q.put_many(["a", "b"])
    assert state_app.by_name.remote("it-shared") == {"items": [("k", "v")], "got": ["a", "b"]}
    assert [o.name for o in skylift.Dict.objects.list(client=client)] == ["it-shared"]
    skylift.Dict.objects.delete("it-shared", client=client)
    skylift.Queue.objects.delete("it-shared", client=client)
    with pytest.raises(NotFoundError):
        skylift.Dict.from_name("it-shared", client=client).hydrate()


def test_a_blocked_get_is_woken_by_a_put_from_another_container(running):
    client = running.client("alice")
    with skylift.Queue.ephemeral(client=client) as q:
        # given a container blocked on an empty queue
        waiting = state_app.get_one.spawn(q, 120)
        time.sleep(3)
        with pytest.raises(TimeoutError):
            waiting.get(timeout=0)
        # when another container puts a value (which the getter may have taken before it counts)
        assert state_app.put_many.remote(q, ["wake up"]) in (0, 1)
        # then the blocked get answers it, and the queue is empty
        assert waiting.get(timeout=60) == "wake up"
        assert q.len() == 0
        # and a get with a timeout that passes raises queue.Empty (in the container and here)
        assert state_app.get_one.remote(q, 0.5) == "empty"
        with pytest.raises(queue.Empty):
            q.get(timeout=0.5)
        assert q.get(block=False) is None


def test_a_blocked_caller_is_woken_by_a_container(running):
    client = running.client("alice")
    with skylift.Queue.ephemeral(client=client) as q:
        got: list = []
        thread = threading.Thread(target=lambda: got.append(q.get(timeout=60, partition="p")))
        thread.start()
        time.sleep(1)
        assert state_app.put_many.remote(q, [7], partition="p") in (0, 1)
        thread.join(70)
        assert got == [7]


def test_an_ephemeral_object_made_in_a_container_is_gone_after(running):
    got, d_value, queue_id, dict_id = state_app.ephemeral_here.remote()
    assert (got, d_value) == ([1, 2, 3], 1)
    assert running.sql("SELECT count(*) FROM state_queue WHERE id = %s", [queue_id]) == [(0,)]
    assert running.sql("SELECT count(*) FROM state_dict WHERE id = %s", [dict_id]) == [(0,)]


def test_acknowledged_data_survives_redis_and_the_control_plane_restarting(running):
    client = running.client("alice")
    d = skylift.Dict.from_name("it-durable", create_if_missing=True, client=client)
    q = skylift.Queue.from_name("it-durable", create_if_missing=True, client=client)
    d["kept"] = "yes"
    q.put_many(list(range(100)))
    assert state_app.put_many.remote(q, ["from container"]) == 101
    # when Redis restarts empty, then everything is there, for the caller and for containers
    running.restart_redis()
    assert d["kept"] == "yes"
    assert state_app.reader.remote(d, "kept") == "yes"
    assert q.len() == 101
    # when the control plane (web) restarts
    running.restart("web")
    assert skylift.Dict.from_name("it-durable", client=running.client("alice"))["kept"] == "yes"
    assert q.get_many(200) == [*range(100), "from container"]
    skylift.Dict.objects.delete("it-durable", client=client)
    skylift.Queue.objects.delete("it-durable", client=client)


def test_bad_input_gets_a_clear_error_and_loses_nothing(running):
    client = running.client("alice")
    with skylift.Dict.ephemeral(client=client) as d, skylift.Queue.ephemeral(client=client) as q:
        d["kept"] = 1
        # too large, from the caller and from a container
        with pytest.raises(InvalidError, match="limit is 1,048,576 bytes"):
            d["big"] = b"x" * (2 * 1024 * 1024)
        assert "InvalidError" in state_app.error_of.remote(d, "dict_put_big")
        assert "limit is 1,048,576 bytes" in state_app.error_of.remote(d, "dict_put_big")
        # unpicklable
        with pytest.raises(SerializationError, match="cannot be pickled"):
            d["lock"] = threading.Lock()
        with pytest.raises(SerializationError):
            q.put(threading.Lock())
        assert d["kept"] == 1 and len(d) == 1 and q.len() == 0
    # deleted: from the caller and from a container
    with pytest.raises(NotFoundError, match="deleted"):
        d.get("kept")
    assert "NotFoundError" in state_app.error_of.remote(d, "dict_get")


def test_a_full_partition_raises_queue_full_and_keeps_what_it_holds(running):
    client = running.client("alice")
    with skylift.Queue.ephemeral(client=client) as q:
        q.put_many(range(5000))
        with pytest.raises(queue.Full, match="at most 5,000"):
            q.put("one more", block=False)
        with pytest.raises(queue.Full):
            q.put("one more", timeout=0.5)
        assert state_app.error_of.remote(q, "queue_put").startswith("queue.Full")
        assert q.len() == 5000
        assert q.get_many(3) == [0, 1, 2]
        q.put("now it fits", block=False)
        assert q.len() == 4998


def test_another_workspaces_objects_are_not_found(running):
    alice, charlie = running.client("alice"), running.client("charlie")
    d = skylift.Dict.from_name("it-private", create_if_missing=True, client=alice)
    q = skylift.Queue.from_name("it-private", create_if_missing=True, client=alice)
    d["secret"] = "alice's"
    # charlie, by id: not found, and nothing changes
    with pytest.raises(NotFoundError):
        skylift.Dict.from_id(d.object_id, client=charlie).get("secret")
    with pytest.raises(NotFoundError):
        skylift.Queue.from_id(q.object_id, client=charlie).put("x")
    with pytest.raises(NotFoundError):
        skylift.Dict.from_name("it-private", client=charlie).hydrate()
    # and cannot pass it to his own functions: his containers do not find it either
    with state_app.stranger.run(client=charlie):
        probe = state_app.strangers_error_of
        assert "NotFoundError" in probe.remote(skylift.Dict.from_id(d.object_id), "dict_get")
        assert "NotFoundError" in probe.remote(skylift.Queue.from_id(q.object_id), "queue_put")
    assert d["secret"] == "alice's" and q.len() == 0
    skylift.Dict.objects.delete("it-private", client=alice)
    skylift.Queue.objects.delete("it-private", client=alice)


def test_the_cli_shows_and_manages_dicts_and_queues(platform, tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
    )
    exe = str(Path(sys.executable).parent / "skylift")

    def cli(*args: str) -> tuple[int, str]:
        done = subprocess.run([exe, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr

    client = platform.client("alice")
    d = skylift.Dict.from_name("it-cli", create_if_missing=True, client=client)
    q = skylift.Queue.from_name("it-cli", create_if_missing=True, client=client)
    d["greeting"] = "hello"
    d["config"] = {"lr": 0.1}
    q.put_many(["first", {"n": 2}])
    q.put("elsewhere", partition="p")
    code, out = cli("dict", "list", "--json")
    assert code == 0 and [o["name"] for o in json.loads(out)] == ["it-cli"]
    code, out = cli("dict", "items", "it-cli", "--json")
    assert code == 0 and json.loads(out) == [
        {"key": "greeting", "value": "hello"},
        {"key": "config", "value": '{"lr": 0.1}'},
    ]
    assert cli("dict", "get", "it-cli", "greeting") == (0, "hello\n")
    code, out = cli("dict", "get", "it-cli", "nope")
    assert code == 1 and "no key 'nope'" in out
    assert cli("queue", "peek", "it-cli", "--json")[1].strip() == json.dumps(["first", '{"n": 2}'], indent=2)
    assert cli("queue", "len", "it-cli") == (0, "2\n")
    assert cli("queue", "len", "it-cli", "--total") == (0, "3\n")
    assert cli("queue", "clear", "it-cli", "--partition", "p", "--yes")[0] == 0
    assert q.len(total=True) == 2
    assert cli("dict", "clear", "it-cli", "-y") == (0, "Removed 2 entries.\n")
    assert cli("dict", "delete", "it-cli", "-y")[0] == 0
    assert cli("queue", "delete", "it-cli", "-y")[0] == 0
    code, out = cli("queue", "len", "it-cli")
    assert code == 1 and "No queue named 'it-cli'" in out


def test_the_callers_dict_get_and_put_take_the_fast_path_and_answer_as_the_api(running):
    import base64

    import httpx

    alice, charlie = running.users["alice"], running.users["charlie"]
    d = skylift.Dict.from_name("it-fast", create_if_missing=True, client=running.client("alice"))
    url = f"{running.url}/api/v1/dicts/{d.object_id}/"
    key, value = base64.b64encode(b"k").decode(), base64.b64encode(b"v").decode()
    put = httpx.post(url + "put/", json={"entries": [{"key": key, "value": value}]}, headers=alice.headers)
    assert (put.status_code, put.headers.get("x-skylift-path"), put.json()) == (200, "fast", {"written": 1})
    got = httpx.post(url + "get/", json={"key": key}, headers=alice.headers)
    assert (got.headers.get("x-skylift-path"), got.json()) == ("fast", {"found": True, "value": value})
    # what it does not serve, Django answers: another workspace's Dict, a malformed body, no token
    stranger = httpx.post(url + "get/", json={"key": key}, headers=charlie.headers)
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "not_found"
    assert httpx.post(url + "get/", json={"key": "%%"}, headers=alice.headers).status_code == 400
    assert httpx.post(url + "get/", json={"key": key}).status_code == 401
    skylift.Dict.objects.delete("it-fast", client=running.client("alice"))
    gone = httpx.post(url + "get/", json={"key": key}, headers=alice.headers)
    assert gone.status_code == 404 and "deleted" in gone.json()["error"]["message"]
