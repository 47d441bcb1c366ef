"""Reaching into sandboxes: a terminal (`exec(pty=True)`, `skylift shell` driven through a real
pty), tunnels to their ports through the web gateway, filesystem snapshots that later sandboxes and
functions start from, and their logs."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import skylift

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture(scope="module")
def client(platform):
    return platform.client("alice")


def _cli_env(platform, tmp_path: Path) -> dict[str, str]:
    who = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=who.token_id,
        SKYLIFT_TOKEN_SECRET=who.token_secret,
    )
    return env


class Terminal:
    """A program run on the far side of a real pty, as a person's terminal runs it."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.fd, child = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=child, stdout=child, stderr=child, env=env, cwd=cwd, start_new_session=True
        )
        os.close(child)
        self.seen = b""

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def expect(self, wanted: bytes, seconds: float = 90.0) -> bytes:
        deadline = time.monotonic() + seconds
        while wanted not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} never came; the terminal shows {self.seen[-2000:]!r}")
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:  # the program ended and closed its side
                    if wanted not in self.seen:
                        raise AssertionError(f"{wanted!r} never came: {self.seen[-2000:]!r}") from None
        return self.seen

    def wait(self, seconds: float = 60.0) -> int:
        try:
            return self.proc.wait(seconds)
        finally:
            os.close(self.fd)


def test_exec_with_a_pty_has_a_terminal_whose_size_is_set(client):
    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        # when a process runs with pty=True
        p = sb.exec("sh", "-c", "read size; tty; stty size; echo oops >&2; exit 6", pty=True, text=False)
        p.resize(33, 101)
        p.stdin.write(b"go\n")
        p.stdin.drain()
        out = p.stdout.read()
        # then it has a terminal of the size asked, and its stderr comes on the terminal too
        assert p.wait() == 6
        assert b"/dev/pts/" in out
        assert b"33 101" in out
        assert b"oops" in out
        assert p.stderr.read() == b""
        # and without one, it has none
        assert sb.exec("sh", "-c", "tty || true").stdout.read().strip() == "not a tty"
    finally:
        sb.terminate()


def test_skylift_shell_opens_an_interactive_shell_in_a_new_sandbox_and_in_a_running_one(
    client, platform, tmp_path
):
    env = _cli_env(platform, tmp_path)
    # when a person opens `skylift shell` at a terminal and types into it
    term = Terminal([SKYLIFT, "shell"], env, tmp_path)
    term.expect(b"is ready")
    term.expect(b"# ")  # bash's prompt: a person types once it shows
    term.type("echo answer=$((6*7)); tty; echo $SKYLIFT_SANDBOX_ID\r")
    seen = term.expect(b"answer=42")
    term.expect(b"/dev/pts/")
    term.type("exit 5\r")
    # then the shell's exit code is the command's, and its sandbox was terminated
    assert term.wait() == 5
    sandbox_id = next(w for w in term.seen.decode(errors="replace").split() if w.startswith("sb-"))
    assert seen
    deadline = time.monotonic() + 60
    while platform.sql("SELECT status FROM functions_sandbox WHERE id = %s", [sandbox_id])[0][0] not in (
        "stopped",
        "failed",
    ):
        assert time.monotonic() < deadline, "the shell's sandbox was not terminated"
        time.sleep(0.2)
    # when a person opens a shell in a running sandbox, by its id
    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        sb.exec("sh", "-c", "echo left-here > /tmp/mark").wait()
        term = Terminal([SKYLIFT, "shell", sb.object_id], env, tmp_path)
        term.expect(b"# ")
        term.type("cat /tmp/mark\r")
        # then it is that sandbox's filesystem, and the sandbox outlives the shell
        term.expect(b"left-here")
        term.type("exit\r")
        assert term.wait() == 0
        assert sb.poll() is None
    finally:
        sb.terminate()
    # and a reference that is neither a sandbox, a container nor a file is refused clearly
    refused = subprocess.run(
        [SKYLIFT, "shell", "nothing-here"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "FILE.py::FUNCTION" in refused.stderr


SHELL_APP = """
import skylift

app = skylift.App("it-shell-function")
image = skylift.Image.debian_slim().env({"SHELL_MARK": "from-the-function-image"})


@app.function(
    image=image,
    cpu=0.25,
    memory=192,
    secrets=[skylift.Secret.from_dict({"SHELL_SECRET": "given-to-the-function"})],
)
def work() -> str:
    return "worked"


@app.function()
def other() -> str:
    return "other"
"""


def test_skylift_shell_opens_a_shell_in_a_new_sandbox_from_a_functions_image(client, platform, tmp_path):
    env = _cli_env(platform, tmp_path)
    (tmp_path / "shell_app.py").write_text(SHELL_APP)
    # when a person opens `skylift shell FILE.py::FUNCTION` at a terminal
    term = Terminal([SKYLIFT, "shell", "shell_app.py::work"], env, tmp_path)
    term.expect(b"is ready", 300)
    term.expect(b"# ")
    term.type("echo mark=$SHELL_MARK; echo secret=$SHELL_SECRET; echo id=$SKYLIFT_SANDBOX_ID\r")
    # then the shell runs on the function's image, with its secrets
    term.expect(b"secret=given-to-the-function")
    seen = term.expect(b"id=sb-").decode(errors="replace")
    assert "mark=from-the-function-image" in seen
    sandbox_id = seen.split("id=")[-1].split()[0]
    # and the sandbox has the function's CPU and memory
    cpu, memory = platform.sql("SELECT cpu, memory FROM functions_sandbox WHERE id = %s", [sandbox_id])[0]
    assert (cpu, memory) == (0.25, 192)
    term.type("exit 3\r")
    assert term.wait() == 3
    # and it is terminated with the shell
    deadline = time.monotonic() + 60
    while platform.sql("SELECT status FROM functions_sandbox WHERE id = %s", [sandbox_id])[0][0] not in (
        "stopped",
        "failed",
    ):
        assert time.monotonic() < deadline, "the shell's sandbox was not terminated"
        time.sleep(0.2)

    def refused(ref: str) -> str:
        done = subprocess.run([SKYLIFT, "shell", ref], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode != 0
        return done.stderr

    # and a file of two functions without a name, or a name it lacks, is refused clearly
    assert "shell_app.py::work" in refused("shell_app.py")
    assert "no function 'nope'" in refused("shell_app.py::nope")
    assert "does not exist" in refused("missing.py::work")


def test_a_snapshot_of_a_sandbox_starts_later_sandboxes_and_functions_with_its_files(client, platform):
    # given a sandbox in which files were written and a package-like folder made
    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        with sb.open("/srv/state.txt", "w") as f:
            f.write("kept across the snapshot\n")
        sb.exec("sh", "-c", "mkdir -p /opt/tool && echo 'print(6 * 7)' > /opt/tool/run.py").wait()
        # when its filesystem is snapshotted
        image = sb.snapshot_filesystem()
    finally:
        sb.terminate()
    # then the image is one of the workspace's, ready, on a Docker image of its own
    assert image.object_id is not None and image.object_id.startswith("im-")
    status, ref = platform.sql(
        "SELECT status, docker_ref FROM builds_image WHERE id = %s", [image.object_id]
    )[0]
    assert status == "ready" and "skylift/snapshot:" in ref
    # and a new sandbox from it sees the files, and not the first sandbox's identity
    later = skylift.Sandbox.create(image=image, client=client, timeout=120)
    try:
        p = later.exec("sh", "-c", "cat /srv/state.txt; python3 /opt/tool/run.py; echo $SKYLIFT_SANDBOX_ID")
        assert p.stdout.read().splitlines() == ["kept across the snapshot", "42", later.object_id]
        assert p.wait() == 0
    finally:
        later.terminate()
    # and a function on it sees them too
    app = skylift.App("it-snapshot")

    @app.function(image=image, serialized=True, name="read_state")
    def read_state() -> str:
        with open("/srv/state.txt") as f:
            return f.read()

    with app.run(client=client):
        assert read_state.remote() == "kept across the snapshot\n"
    # and build steps on an image given by its id are refused clearly
    with pytest.raises(skylift.exception.InvalidError, match="as it is"):
        image.pip_install("requests")
    # and an image id of nothing is not found
    with pytest.raises(skylift.exception.NotFoundError):
        skylift.Sandbox.create(image=skylift.Image.from_id("im-doesnotexist"), client=client)


def _get(platform, url: str, path: str, http=None):
    """GET a tunnel URL: the shared platform runs with SKYLIFT_WEB_DOMAIN=web.test, so a host-form
    URL is reached by sending its Host header to the platform's address."""
    import httpx

    parts = urlsplit(url)
    assert parts.hostname is not None
    send = http.get if http is not None else httpx.get
    if parts.hostname.endswith(".web.test"):
        return send(f"{platform.url}{parts.path}{path}", headers={"host": parts.netloc}, timeout=30)
    return send(url + path, timeout=30)


def test_an_http_server_in_a_sandbox_answers_through_its_tunnel_url(client, platform):
    import httpx

    # given a sandbox serving a folder over HTTP on port 8000, exposed, and port 9000 exposed unused
    sb = skylift.Sandbox.create(
        "sh",
        "-c",
        "mkdir -p /srv/www/sub && echo hello-from-the-sandbox > /srv/www/sub/index.txt && "
        "cd /srv/www && exec python3 -m http.server 8000",
        encrypted_ports=[8000],
        unencrypted_ports=[9000],
        client=client,
        timeout=120,
    )
    try:
        tunnels = sb.tunnels()
        assert sorted(tunnels) == [8000, 9000]
        url = tunnels[8000].url
        assert tunnels[9000].url != url
        # when someone fetches a file through the tunnel's URL (public: no token), once it listens
        deadline = time.monotonic() + 60
        while True:
            response = _get(platform, url, "/sub/index.txt")
            if response.status_code != 502 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        # then the sandbox's server answered it, and again on the same kept-alive path
        assert response.status_code == 200, response.text
        assert response.text == "hello-from-the-sandbox\n"
        with httpx.Client(timeout=30) as http:
            for _ in range(3):
                assert _get(platform, url, "/sub/index.txt", http).text == "hello-from-the-sandbox\n"
        # and the path form of the same tunnel reaches it too
        label = urlsplit(url).hostname.split(".")[0]
        by_path = httpx.get(f"{platform.url}/tunnels/{label}/sub/index.txt", timeout=30)
        assert by_path.text == "hello-from-the-sandbox\n"
        # and a port nothing listens on answers 502, saying so
        empty = _get(platform, tunnels[9000].url, "/")
        assert empty.status_code == 502
        assert "nothing listens on port 9000" in empty.json()["error"]["message"]
        # and an encrypted port has no raw TCP address, said clearly
        with pytest.raises(skylift.exception.InvalidError, match="unencrypted_ports"):
            _ = tunnels[8000].tcp_socket
    finally:
        sb.terminate()
    sb.wait()
    # when the sandbox has ended, its URL is gone
    deadline = time.monotonic() + 10
    while (gone := _get(platform, url, "/sub/index.txt")).status_code != 404:
        assert time.monotonic() < deadline, gone.status_code
        time.sleep(0.3)
    assert gone.json()["error"]["code"] == "not_found"
    # and a URL of no tunnel is not found
    assert httpx.get(f"{platform.url}/tunnels/tn-aaaaaaaaaaaaaaaaaaaa/", timeout=30).status_code == 404
    # and ports with block_network are refused, as are ports out of range
    with pytest.raises(skylift.exception.InvalidError, match="block_network"):
        skylift.Sandbox.create(encrypted_ports=[8000], block_network=True, client=client)
    with pytest.raises(skylift.exception.InvalidError):
        skylift.Sandbox.create(encrypted_ports=[70000], client=client)


def test_traffic_through_a_tunnel_keeps_a_sandbox_from_idling_and_none_lets_it_stop(client, platform):
    import httpx

    def status() -> tuple[str, str]:
        return platform.sql("SELECT status, cause FROM functions_sandbox WHERE id = %s", [sb.object_id])[0]

    # given a sandbox serving HTTP on an exposed port, stopped after 5 s without activity
    sb = skylift.Sandbox.create(
        "python3",
        "-m",
        "http.server",
        "8000",
        encrypted_ports=[8000],
        idle_timeout=5,
        client=client,
        timeout=120,
    )
    try:
        url = sb.tunnels()[8000].url
        # when its only activity is requests through its tunnel, one a second for three idle_timeouts
        with httpx.Client(timeout=30) as http:
            answered = 0
            started = time.monotonic()
            while time.monotonic() - started < 15:
                if _get(platform, url, "/", http).status_code == 200:
                    answered += 1
                time.sleep(1.0)
        # then it still runs: the traffic counted as activity
        assert answered >= 10
        assert status() == ("running", "")
        # when the traffic stops, then it is stopped for being idle
        deadline = time.monotonic() + 30
        while status()[0] == "running":
            assert time.monotonic() < deadline, "the idle sandbox was not stopped"
            time.sleep(0.5)
        assert status()[1] == "idle_timeout"
    finally:
        sb.terminate()


LINE_SERVER = r"""
import socketserver


class Session(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"READY\r\n")
        for line in self.rfile:
            command = line.strip()
            if command == b"PING":
                self.wfile.write(b"+PONG\r\n")
            elif command.startswith(b"ECHO "):
                size = int(command[5:])
                self.wfile.write(b"$%d\r\n" % size + self.rfile.read(size))
            elif command == b"QUIT":
                self.wfile.write(b"+BYE\r\n")
                return


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("0.0.0.0", 9000), Session).serve_forever()
"""


def _session(address: tuple[str, int], seconds: float = 60.0):
    """A connection to the line server through the raw TCP tunnel, once it greets (the gateway
    listens within a second of the sandbox's start; the server in it a little later)."""
    import socket

    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = socket.create_connection(address, timeout=30)
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the gateway never listened on the tunnel's port"
            time.sleep(0.2)
            continue
        reader = conn.makefile("rb")
        if reader.readline() == b"READY\r\n":
            return conn, reader
        conn.close()  # the sandbox's server does not listen yet: the tunnel closed at once
        assert time.monotonic() < deadline, "the sandbox's server never greeted through the tunnel"
        time.sleep(0.3)


def test_a_non_http_server_in_a_sandbox_answers_through_its_raw_tcp_tunnel(client, platform):
    import socket

    # given a sandbox serving a line protocol (no HTTP) on port 9000, exposed unencrypted
    sb = skylift.Sandbox.create(
        "python3", "-c", LINE_SERVER, unencrypted_ports=[9000], idle_timeout=5, client=client, timeout=120
    )
    try:
        tunnel = sb.tunnels()[9000]
        host, port = tunnel.tcp_socket
        assert (tunnel.unencrypted_host, tunnel.unencrypted_port) == (host, port)
        first, last = (int(p) for p in platform.env["SKYLIFT_TCP_TUNNEL_PORTS"].split("-"))
        assert host == "127.0.0.1" and first <= port <= last
        # when a client speaks it through the tunnel's host and port
        conn, reader = _session((host, port))
        conn.sendall(b"PING\r\n")
        assert reader.readline() == b"+PONG\r\n"
        # then bytes of any kind go both ways unchanged, a MiB at once
        payload = os.urandom(1 << 20)
        conn.sendall(b"ECHO %d\r\n" % len(payload) + payload)
        assert reader.readline() == b"$%d\r\n" % len(payload)
        assert reader.read(len(payload)) == payload
        # and a second connection is a session of its own beside the first
        other, other_reader = _session((host, port))
        other.sendall(b"QUIT\r\n")
        assert other_reader.readline() == b"+BYE\r\n"
        assert other_reader.read() == b""  # the server ended it: its end came through
        other.close()
        # and an open connection keeps the sandbox from idling past its 5 s idle_timeout
        time.sleep(8)
        conn.sendall(b"PING\r\n")
        assert reader.readline() == b"+PONG\r\n"
        assert (
            platform.sql("SELECT status FROM functions_sandbox WHERE id = %s", [sb.object_id])[0][0]
            == "running"
        )
        # when the sandbox ends, its open connection is closed and its port refuses new ones
        sb.terminate()
        sb.wait()
        conn.settimeout(15)
        assert reader.read() == b""
        conn.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((host, port), timeout=5).close()
            except ConnectionRefusedError:
                break
            assert time.monotonic() < deadline, "the ended sandbox's TCP port still listens"
            time.sleep(0.3)
    finally:
        sb.terminate()


def test_a_sandboxs_logs_and_processes_are_read_while_it_runs_and_its_logs_after(client, platform, tmp_path):
    env = _cli_env(platform, tmp_path)
    # given a sandbox whose command prints on both streams, then waits for a file
    sb = skylift.Sandbox.create(
        "sh",
        "-c",
        "for i in 1 2 3; do echo out-$i; echo err-$i >&2; done; "
        "while [ ! -f /tmp/go ]; do sleep 0.1; done; echo last-line; exit 2",
        client=client,
        timeout=120,
    )
    http = client.api.get_httpx_client()
    # when its logs are read while it runs, then each stream's lines come in order, each marked
    # with its stream (the two streams are merged by when Docker read them)
    deadline = time.monotonic() + 30
    while len((page := http.get(f"/api/v1/sandboxes/{sb.object_id}/logs/").json())["lines"]) < 6:
        assert time.monotonic() < deadline, page
        time.sleep(0.2)
    assert page["live"] is True
    for stream, word in (("stdout", "out"), ("stderr", "err")):
        assert [line["text"] for line in page["lines"] if line["stream"] == stream] == [
            f"{word}-{i}" for i in (1, 2, 3)
        ]
    # and its processes are listed, the command's loop among them
    processes = http.get(f"/api/v1/sandboxes/{sb.object_id}/processes/").json()
    assert "PID" in processes["titles"]
    assert any("/tmp/go" in " ".join(p) for p in processes["processes"])
    # and `skylift sandbox logs` prints them, stderr on stderr
    shown = subprocess.run(
        [SKYLIFT, "sandbox", "logs", sb.object_id], env=env, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["out-1", "out-2", "out-3"]
    assert shown.stderr.splitlines() == ["err-1", "err-2", "err-3"]
    # when it is followed and the sandbox goes on to its end
    following = subprocess.Popen(
        [SKYLIFT, "sandbox", "logs", "--follow", "-n", "1", sb.object_id],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    sb.exec("touch", "/tmp/go").wait()
    out, err = following.communicate(timeout=60)
    # then the follower printed the new line and stopped with the sandbox
    assert following.returncode == 0, err
    assert out.splitlines()[-1] == "last-line"
    assert sb.wait() is None and sb.returncode == 2
    # and once it has ended, its logs are still there, kept from its container
    page = http.get(f"/api/v1/sandboxes/{sb.object_id}/logs/").json()
    assert page["live"] is False
    assert sorted(line["text"] for line in page["lines"]) == sorted(
        [*(f"out-{i}" for i in (1, 2, 3)), *(f"err-{i}" for i in (1, 2, 3)), "last-line"]
    )
    assert page["lines"][-1]["text"] == "last-line"
    page = http.get(f"/api/v1/sandboxes/{sb.object_id}/logs/", params={"tail": 1}).json()
    assert [line["text"] for line in page["lines"]] == ["last-line"]
    assert page["truncated"] is True
    # and an ended sandbox runs no process
    assert http.get(f"/api/v1/sandboxes/{sb.object_id}/processes/").json()["processes"] == []
    # and a bad tail is a 400
    assert http.get(f"/api/v1/sandboxes/{sb.object_id}/logs/", params={"tail": "x"}).status_code == 400
