"""Web endpoints against the real platform: each decorator kind in real containers, through the
gateway and the host agents, with real HTTP and WebSocket clients.

One deploy of tests/integration/web_app.py serves every test of the module (its images build
once); the shared platform runs with SKYLIFT_WEB_DOMAIN=web.test, so host-form URLs are reached by
sending their Host header to the platform's address, and the path form works as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

import skylift

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture(scope="module")
def cli_env(platform, tmp_path_factory):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path_factory.mktemp("web") / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    return env


@pytest.fixture(scope="module")
def deployed(platform, cli_env):
    result = subprocess.run(
        [SKYLIFT, "deploy", str(HERE / "web_app.py")],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def web(platform, deployed):
    with httpx.Client(base_url=platform.url, timeout=120) as client:
        yield client


def _host(label: str) -> dict[str, str]:
    return {"host": f"alpha--{label}.web.test"}


def test_deploy_prints_every_url_and_the_sdk_gives_them(platform, deployed, cli_env):
    assert "http://alpha--it-web-raw.web.test" in deployed
    assert "http://alpha--it-web-total.web.test" in deployed  # label= replaces app-function
    assert "http://alpha--it-web-greeter-greet.web.test" in deployed
    script = (
        "import skylift\n"
        "print(skylift.Function.from_name('it-web', 'square').get_web_url())\n"
        "print(skylift.Cls.from_name('it-web', 'Greeter')().greet.get_web_url())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=cli_env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == [
        "http://alpha--it-web-square.web.test",
        "http://alpha--it-web-greeter-greet.web.test",
    ], out.stderr


def test_an_asgi_app_serves_by_host_and_by_path_with_its_lifespan_run_once(web):
    by_host = web.get("/hello?x=1", headers=_host("it-web-raw"))
    assert by_host.status_code == 200, by_host.text
    assert (
        "path=/hello " in by_host.text and "query=x=1" in by_host.text and "client=127.0.0.1" in by_host.text
    )
    by_path = web.get("/web/alpha/it-web/raw/there/again")
    assert by_path.status_code == 200, by_path.text
    # The app sees its own path, and where it is mounted (for its links).
    assert "path=/there/again root=/web/alpha/it-web/raw " in by_path.text
    posted = web.post("/web/alpha/it-web/raw/upload", content=b"x" * 300_000)
    assert "body=300000" in posted.text
    tasks = {r.text.split("task=")[1] for r in (by_host, by_path, posted)}
    assert len(tasks) == 1  # one container, with concurrency 20
    assert all("lifespans=1" in r.text for r in (by_host, by_path, posted))


def _tcp_peer_ports(pid: int) -> list[int]:
    """Remote ports of the process's TCP connections (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def test_a_stream_arrives_as_it_is_produced_with_no_agent_between(platform, web):
    (function_id,) = platform.sql(
        "SELECT f.id FROM functions_function f JOIN skylift_apps_app a ON a.id = f.app_id "
        "WHERE a.name = 'it-web' AND f.name = 'raw' AND a.state = 'deployed'"
    )[0]
    arrivals, tunnelled = [], []
    with web.stream("GET", "/web/alpha/it-web/raw/stream") as response:
        assert response.headers["content-type"] == "text/event-stream"
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append((time.time(), line))
                # While the stream runs: does the web process hold a TCP tunnel through the agent?
                announced = platform.redis().hgetall(f"skylift:web:ready:{function_id}")
                agents = [json.loads(entry) for entry in announced.values()]
                agent_ports = {int(a["agent"].rsplit(":", 1)[1]) for a in agents}
                tunnelled.append(set(_tcp_peer_ports(platform.procs["web"].pid)) & agent_ports)
    assert [line.split()[1] for _, line in arrivals] == ["0", "1", "2", "3", "4"]
    produced_last = float(arrivals[-1][1].split()[2])
    # The first event reached the client before the app produced the last one.
    assert arrivals[0][0] < produced_last
    # The agent of this machine handed the container's connection over (its announcement offers
    # its Unix socket): the gateway reached the container with no TCP tunnel through the agent.
    assert all(a.get("local") for a in agents), agents
    assert tunnelled == [set()] * 5


def test_a_websocket_is_carried_both_ways(platform, deployed):
    with ws_connect(platform.url.replace("http", "ws") + "/web/alpha/it-web/raw/ws", open_timeout=120) as ws:
        for word in ("one", "two", "three"):
            ws.send(word)
            assert ws.recv(timeout=30) == f"echo:{word}"


CLAIMING_APP = """
import skylift

app = skylift.App("it-web-claimer")


@app.function()
@skylift.asgi_app(custom_domains=["total.custom.test"])
def claims():
    return None
"""


def test_a_custom_domain_serves_its_endpoint_and_belongs_to_one_app(
    platform, deployed, web, cli_env, tmp_path
):
    from tests.fixtures.live_platform import wait_for

    assert "http://total.custom.test" in deployed
    host = {"host": "total.custom.test"}
    # The gateway learns a claimed domain within a couple of seconds of the deploy.
    answer = wait_for(
        lambda: web.post("/", json={"values": [2, 3]}, headers=host), lambda a: a.status_code == 200
    )
    assert answer.json() == {"total": 5}
    # A host nobody claimed is not the gateway's (Django answers it as before).
    unclaimed = web.get("/", headers={"host": "unclaimed.custom.test"})
    assert "No web endpoint" not in unclaimed.text and "x-skylift-request-id" not in unclaimed.headers
    source = tmp_path / "claimer.py"
    source.write_text(CLAIMING_APP)
    refused = subprocess.run(
        [SKYLIFT, "deploy", str(source)], env=cli_env, capture_output=True, text=True, timeout=300
    )
    assert refused.returncode != 0
    assert "total.custom.test is served by the app 'it-web' already" in refused.stdout + refused.stderr


def test_a_web_servers_websocket_is_carried_both_ways(platform, deployed):
    url = platform.url.replace("http", "ws") + "/web/alpha/it-web/websocket-server/"
    with ws_connect(url, open_timeout=120) as ws:
        for word in ("one", "two"):
            ws.send(word)
            assert ws.recv(timeout=30) == f"server:{word}"


def test_an_asgi_apps_lifespan_starts_and_shuts_down_once_per_container(platform, web, cli_env):
    from tests.fixtures.live_platform import wait_for

    answer = web.get("/web/alpha/it-web/lifecycle/")
    assert answer.status_code == 200, answer.text
    task = answer.json()["task"]
    # scaledown_window=2: idle, the container leaves, and its app's lifespan shutdown runs on the way out.
    stopped = wait_for(
        lambda: platform.sql("SELECT 1 FROM functions_task WHERE id = %s AND status = 'stopped'", [task]),
        bool,
        attempts=1200,
    )
    assert stopped, f"{task} did not leave when idle"
    script = (
        "import skylift\n"
        "marks = skylift.Dict.from_name('it-web-lifecycle')\n"
        f"print(marks.get('{task}:startup'), marks.get('{task}:shutdown'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=cli_env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["1", "1"], out.stderr


def test_a_failed_request_gives_its_id_which_finds_it_in_the_logs(platform, web):
    from tests.fixtures.live_platform import wait_for

    failed = web.get("/web/alpha/it-web/raw/raise")
    assert failed.status_code == 500
    request_id = failed.headers["x-skylift-request-id"]
    assert request_id.startswith("wr-")
    assert web.get("/web/alpha/it-web/raw/fine").headers["x-skylift-request-id"] != request_id
    line = wait_for(
        lambda: platform.sql(
            "SELECT text FROM functions_logline WHERE text LIKE %s", [f"%web request {request_id}%"]
        ),
        bool,
    )
    assert "GET /raise failed: RuntimeError: broken on purpose" in line[0][0]


def test_fastapi_endpoints_parse_by_fastapis_rules(web):
    assert web.get("/?x=42", headers=_host("it-web-square")).json() == {"square": 1764}
    wrong_type = web.get("/?x=forty", headers=_host("it-web-square"))
    assert wrong_type.status_code == 422
    assert web.post("/?x=1", headers=_host("it-web-square")).status_code == 405
    assert web.get("/docs", headers=_host("it-web-square")).status_code == 200
    total = web.post("/", json={"values": [1, 2, 3]}, headers=_host("it-web-total"))
    assert total.json() == {"total": 6}


def test_a_flask_app_and_a_web_server_serve(web):
    echoed = web.post(
        "/web/alpha/it-web/flask-app/echo", json={"a": 1}, headers={"x-forwarded-for": "203.0.113.9"}
    )
    assert echoed.status_code == 200, echoed.text
    # The gateway's peer (127.0.0.1) is a trusted proxy: the address it forwards is the client's.
    assert echoed.json() == {"echo": {"a": 1}, "client": "203.0.113.9"}
    served = web.get("/hello.txt", headers=_host("it-web-files"))
    assert served.status_code == 200 and served.text == "hello from http.server"


def test_class_parameters_come_from_the_query_each_set_its_own_pool(web):
    default = web.get("/", headers=_host("it-web-greeter-greet")).json()
    assert default["text"] == "hello world" and default["entered"] is True
    custom = web.get("/?greeting=hi&times=2&name=bob", headers=_host("it-web-greeter-greet")).json()
    assert custom["text"] == "hi bob hi bob"
    assert custom["task"] != default["task"]
    bad = web.get("/?times=many", headers=_host("it-web-greeter-greet"))
    assert bad.status_code == 400 and "whole number" in bad.json()["error"]["message"]


def test_what_cannot_be_served_gets_a_clear_status(web, platform):
    missing = web.get("/web/alpha/it-web/nothing-here")
    assert missing.status_code == 404 and "No web endpoint" in missing.json()["error"]["message"]
    too_large = web.post("/web/alpha/it-web/raw/upload", content=b"x" * (4 * 1024 * 1024 + 1))
    assert too_large.status_code == 413
    broken = web.get("/", headers=_host("it-web-broken-lifespan"))
    assert broken.status_code == 502 and "lifespan" in broken.json()["error"]["message"]
    silent = web.get("/", headers=_host("it-web-never-listens"))
    assert silent.status_code == 504 and "port 8001" in silent.json()["error"]["message"]
    # A container that dies mid-request: 502 with the request's id, naming the container.
    crashed = web.get("/web/alpha/it-web/raw/crash")
    assert crashed.status_code == 502
    error = crashed.json()["error"]
    assert error["request_id"].startswith("wr-") and "ta-" in error["message"]
    # ... and the endpoint's other requests go on (a new container).
    assert web.get("/web/alpha/it-web/raw/after").status_code == 200


def test_proxy_auth_lets_only_a_live_token_of_the_workspace_through(platform, web):
    alice = platform.users["alice"]
    host = _host("it-web-private")
    refused = web.get("/", headers=host)
    assert refused.status_code == 401 and "Skylift-Key" in refused.json()["error"]["hint"]
    api = httpx.Client(base_url=platform.url, headers=alice.headers, timeout=60)
    made = api.post("/api/v1/proxy-tokens/", json={"name": "it-web"})
    assert made.status_code == 201, made.text
    key, secret = made.json()["id"], made.json()["secret"]
    for names in (("Skylift-Key", "Skylift-Secret"), ("Modal-Key", "Modal-Secret")):
        allowed = web.get("/", headers={**host, names[0]: key, names[1]: secret})
        assert allowed.status_code == 200, allowed.text
        assert allowed.text == "private; credential headers seen: []"  # the credentials stop at the gateway
    assert web.get("/", headers={**host, "Skylift-Key": key, "Skylift-Secret": "ws-wrong"}).status_code == 401
    assert api.post(f"/api/v1/proxy-tokens/{key}/revoke/").status_code == 200
    assert web.get("/", headers={**host, "Skylift-Key": key, "Skylift-Secret": secret}).status_code == 401


def test_requests_beyond_capacity_wait_then_get_503_and_a_slow_one_504(web):
    held: list[httpx.Response] = []
    holder = threading.Thread(
        target=lambda: held.append(web.get("/?seconds=20", headers=_host("it-web-slow")))
    )
    assert web.get("/", headers=_host("it-web-slow")).text == '"done"'  # its one container is up
    holder.start()
    time.sleep(1.0)
    waited = web.get("/", headers=_host("it-web-slow"))  # max_containers=1, one request at a time
    holder.join()
    assert waited.status_code == 503
    assert waited.headers["retry-after"] == "1"
    # The held request began no response within SKYLIFT_WEB_REQUEST_TIMEOUT (15 s here; 503 came at 11).
    assert held[0].status_code == 504 and "SKYLIFT_WEB_REQUEST_TIMEOUT" in held[0].json()["error"]["message"]
    time.sleep(5.5)  # the container finishes the abandoned request
    assert web.get("/", headers=_host("it-web-slow")).text == '"done"'


def test_requests_beyond_one_containers_room_scale_out(web):
    assert web.get("/", headers=_host("it-web-busy")).status_code == 200  # one container up
    answers: list[httpx.Response] = []
    threads = [
        threading.Thread(target=lambda: answers.append(web.get("/?seconds=4", headers=_host("it-web-busy"))))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    # One request at a time per container: the autoscaler saw the gateway's waiting requests.
    assert len({a.json() for a in answers}) >= 2


def test_the_workspace_rate_answers_429(platform, web):
    workspace_id = platform.sql("SELECT id FROM accounts_workspace WHERE name = 'alpha'")[0][0]
    platform.sql(
        "UPDATE accounts_workspace SET input_rate = 1, input_burst = 1 WHERE id = %s RETURNING id",
        [workspace_id],
    )
    platform.redis().delete(f"skylift:rate:{workspace_id}")
    try:
        time.sleep(1.2)  # the gateway's routes (and the rate they carry) are cached for a second
        answers = [web.get("/web/alpha/it-web/raw/rate") for _ in range(4)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and all(a.headers["retry-after"].isdigit() for a in limited)
    finally:
        platform.sql(
            "UPDATE accounts_workspace SET input_rate = NULL, input_burst = NULL WHERE id = %s RETURNING id",
            [workspace_id],
        )
        platform.redis().delete(f"skylift:rate:{workspace_id}")
        time.sleep(1.2)


def test_web_functions_refuse_remote_calls():
    app = skylift.App("not-deployed")

    @app.function()
    @skylift.asgi_app()
    def served():
        return None

    with pytest.raises(skylift.exception.InvalidError, match="web"):
        served.remote()


REDEPLOYED = """
import asyncio

import skylift

app = skylift.App("it-web-redeploy")


@app.function()
@skylift.concurrent(max_inputs=10)
@skylift.asgi_app()
def counter():
    async def application(scope, receive, send):
        await send({{"type": "http.response.start", "status": 200, "headers": []}})
        for i in range(6):
            await send({{"type": "http.response.body", "body": b"{release}%d " % i, "more_body": True}})
            await asyncio.sleep(0.5 if scope["path"] == "/slow" else 0)
        await send({{"type": "http.response.body", "body": b""}})

    return application
"""


def test_a_redeploy_moves_traffic_without_dropping_a_request_in_flight(platform, web, cli_env, tmp_path):
    source = tmp_path / "redeployed_app.py"
    source.write_text(REDEPLOYED.format(release="one"))
    first = subprocess.run(
        [SKYLIFT, "deploy", str(source)], env=cli_env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    host = _host("it-web-redeploy-counter")
    assert web.get("/", headers=host).text.startswith("one0")
    received: list[str] = []

    def slow_request() -> None:
        with web.stream("GET", "/slow", headers=host) as response:
            received.extend(response.iter_text())

    in_flight = threading.Thread(target=slow_request)
    in_flight.start()
    time.sleep(0.8)  # the slow response has begun
    source.write_text(REDEPLOYED.format(release="two"))
    second = subprocess.run(
        [SKYLIFT, "deploy", str(source)], env=cli_env, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    time.sleep(1.2)  # routes are cached for a second
    assert web.get("/", headers=host).text.startswith("two0")
    in_flight.join(timeout=60)
    # The request in flight finished on the version it started on, whole.
    assert "".join(received) == "one0 one1 one2 one3 one4 one5 "
    subprocess.run([SKYLIFT, "app", "stop", "it-web-redeploy"], env=cli_env, capture_output=True, timeout=120)


SECOND_HOST_APP = """
import os

import skylift

app = skylift.App("it-web-second-host")


# Restricted: its containers get no identity token, so the test does not depend on the signing key
# (a secrets-key rotation earlier in the session leaves it readable only by the processes that made it).
@app.function(restrict_modal_access=True)
@skylift.asgi_app()
def where():
    async def application(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": os.environ["SKYLIFT_TASK_ID"].encode()})

    return application
"""


def test_a_request_reaches_a_container_on_a_second_host(platform, web, cli_env, tmp_path):
    from tests.fixtures.live_platform import wait_for
    from tests.fixtures.partitioned_host import PartitionedHost

    second = PartitionedHost(platform, tmp_path, lease_seconds=30.0, heartbeat_seconds=1.0)
    source = tmp_path / "second_host_app.py"
    source.write_text(SECOND_HOST_APP)
    try:
        second.wait_registered(platform)
        # Its Celery worker (which starts containers) is up too, however loaded the machine is.
        ready = wait_for(
            lambda: second.log.read_text(), lambda text: f"host.{second.name}@" in text and " ready." in text
        )
        assert f"host.{second.name}@" in ready and " ready." in ready, ready[-3000:]
        # New containers go where the most CPU is free: make that the second host (as the partition test does).
        platform.sql("UPDATE hosts_host SET cpu = 1000 WHERE name = %s RETURNING id", [second.name])
        deployed = subprocess.run(
            [SKYLIFT, "deploy", str(source)], env=cli_env, capture_output=True, text=True, timeout=300
        )
        assert deployed.returncode == 0, deployed.stderr
        answer = web.get("/", headers=_host("it-web-second-host-where"), timeout=300)
        assert answer.status_code == 200, answer.text
        placed = platform.sql(
            "SELECT h.name FROM functions_task t JOIN hosts_host h ON h.id = t.host_id WHERE t.id = %s",
            [answer.text],
        )
        assert placed == [(second.name,)]
    finally:
        # Nothing more lands on it; the rest of the session runs on the platform's own host.
        platform.sql("UPDATE hosts_host SET draining = true WHERE name = %s RETURNING id", [second.name])
        subprocess.run(
            [SKYLIFT, "app", "stop", "it-web-second-host"], env=cli_env, capture_output=True, timeout=120
        )
        second.stop()


def test_a_stopped_apps_urls_answer_404(platform, web, cli_env):
    assert web.get("/web/alpha/it-web/raw/before").status_code == 200
    stopped = subprocess.run(
        [SKYLIFT, "app", "stop", "it-web"], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert stopped.returncode == 0, stopped.stderr
    time.sleep(1.2)  # routes are cached for a second
    gone = web.get("/web/alpha/it-web/raw/after-stop")
    assert gone.status_code == 404
    assert json.loads(gone.text)["error"]["code"] == "not_found"
    custom = web.post("/", json={"values": [1]}, headers={"host": "total.custom.test"})
    assert custom.status_code == 404 and custom.json()["error"]["code"] == "not_found"
