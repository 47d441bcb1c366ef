"""Sandboxes through the whole platform: a container created at run time by the SDK, processes
exec'd into it through the host agent, and stopped by terminate or by its timeout without the client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import skylift
from skylift.exception import InvalidError, NotFoundError

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture(scope="module")
def client(platform):
    return platform.client("alice")


def _until(probe, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("gave up waiting")


def test_a_sandbox_runs_its_command_and_ends_with_its_exit_code(client, platform):
    # when a sandbox runs a command that prints and exits 3
    sb = skylift.Sandbox.create("sh", "-c", "echo hello; exit 3", client=client)
    sb.wait()
    # then it ended with that code, and its container is gone from the host
    assert sb.returncode == 3
    assert sb.poll() == 3
    _until(lambda: not platform.containers(sandbox=sb.object_id))


def test_exec_streams_lines_in_order_and_stdin_reaches_cat(client):
    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        # when a process prints many lines, some on stderr
        p = sb.exec("sh", "-c", "for i in $(seq 1 2000); do echo line-$i; done; echo oops >&2; exit 7")
        # then they come in order, each once, and its exit code comes after
        assert [line.rstrip("\n") for line in p.stdout] == [f"line-{i}" for i in range(1, 2001)]
        assert p.stderr.read() == "oops\n"
        assert p.wait() == 7
        assert p.returncode == 7
        # when stdin is written to cat and closed
        cat = sb.exec("cat")
        cat.stdin.write("to cat\n")
        cat.stdin.write(b"\x00binary\n")
        cat.stdin.write_eof()
        cat.stdin.drain()
        # then cat echoes it back and ends
        assert cat.stdout.read() == "to cat\n\x00binary\n"
        assert cat.wait() == 0
        # and a command that does not exist answers as a shell does, not with a server error
        missing = sb.exec("no-such-command-here")
        assert missing.wait() != 0
        # and writing to stdin after its end is refused
        with pytest.raises(InvalidError):
            cat.stdin.write("more")
        # and a sandbox is found by its id
        assert skylift.Sandbox.from_id(sb.object_id, client=client).object_id == sb.object_id
        assert sb.object_id in [s.object_id for s in skylift.Sandbox.list(client=client)]
    finally:
        sb.terminate()
    # when terminated, it ends; exec on it is refused clearly
    sb.wait()
    assert sb.returncode is not None
    with pytest.raises(InvalidError, match="finished"):
        sb.exec("echo", "late").wait()
    with pytest.raises(NotFoundError):
        skylift.Sandbox.from_id("sb-doesnotexist", client=client)


def test_a_sandbox_outlives_its_creator_until_its_timeout(client, platform):
    # given a sandbox that would idle forever, with a 2 s timeout, and a client that goes away
    sb = skylift.Sandbox.create("sleep", "infinity", timeout=2, client=client)
    sandbox_id = sb.object_id
    del sb
    # then the platform stops it, by itself, for its timeout
    record = _until(
        lambda: (
            (r := platform.sql("SELECT status, cause FROM functions_sandbox WHERE id = %s", [sandbox_id]))
            and r[0][0] in ("stopped", "failed")
            and r[0]
        )
    )
    assert record[1] == "timeout"
    _until(lambda: not platform.containers(sandbox=sandbox_id))


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_noisy_process_read_slowly_stays_bounded_in_the_agents_memory(client, platform):
    # given the host agent's process (its relay carries exec streams), and a process printing 256 MiB
    agent = platform.procs["agent"].pid
    sb = skylift.Sandbox.create(client=client, timeout=300)
    try:
        before = _rss_kib(agent)
        p = sb.exec("sh", "-c", "head -c 268435456 /dev/zero", text=False)
        # when the program reads it slowly at first, then all of it
        peak, total = before, 0
        for n, chunk in enumerate(p.stdout.chunks()):
            total += len(chunk)
            if n < 20:
                time.sleep(0.05)
            if n % 64 == 0:
                peak = max(peak, _rss_kib(agent))
        # then every byte arrives, and the agent never held more than a few MiB of it
        assert total == 256 * 1024 * 1024
        assert p.wait() == 0
        assert peak - before < 32 * 1024, (before, peak)
    finally:
        sb.terminate()


def test_the_cli_lists_execs_in_and_terminates_a_sandbox(client, platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
    )

    def cli(*args, stdin=""):
        done = subprocess.run(
            [SKYLIFT, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
        )
        return done.returncode, done.stdout, done.stderr

    sb = skylift.Sandbox.create(client=client, timeout=120)
    # when the CLI lists the sandboxes, then this one is there
    code, out, _ = cli("sandbox", "list")
    assert code == 0 and sb.object_id in out
    # when it runs a command with this terminal's stdin, then the output and exit code are the command's
    code, out, err = cli(
        "sandbox", "exec", sb.object_id, "sh", "-c", "cat; echo e >&2; exit 4", stdin="piped\n"
    )
    assert (code, out, err) == (4, "piped\n", "e\n")
    # when it terminates the sandbox, then it ends
    code, out, _ = cli("sandbox", "terminate", sb.object_id)
    assert code == 0
    sb.wait()
    assert sb.returncode is not None


def test_a_sandbox_is_hardened_as_a_function_container_and_knows_its_id(client, platform):
    from tests.security.hardening import assert_hardened

    # given a sandbox that blocks the network, in a folder of its choice
    sb = skylift.Sandbox.create(client=client, timeout=120, block_network=True, workdir="/tmp", memory=256)
    try:
        # then its container follows the hardening policy, with no network at all
        assert assert_hardened(platform, sandbox=sb.object_id) == 1
        (attrs,) = platform.containers(sandbox=sb.object_id)
        assert attrs["HostConfig"]["NetworkMode"] == "none"
        assert attrs["HostConfig"]["Memory"] == 256 * 1024 * 1024
        # and a process in it sees its id under both names, in its folder
        p = sb.exec("sh", "-c", 'echo "$SKYLIFT_SANDBOX_ID $MODAL_SANDBOX_ID $(pwd)"')
        assert p.stdout.read() == f"{sb.object_id} {sb.object_id} /tmp\n"
        assert p.wait() == 0
    finally:
        sb.terminate()


def test_files_written_by_open_are_read_by_a_command_and_back(client):
    from skylift.exception import SandboxFilesystemNotFoundError

    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        # when a file is written, appended to, and a folder made
        with sb.open("/tmp/notes.txt", "w") as f:
            f.write("one\n")
        with sb.open("/tmp/notes.txt", "a") as f:
            f.write("two\n")
        sb.mkdir("/tmp/d/e", parents=True)
        with sb.open("/tmp/d/e/blob", "wb") as f:
            f.write(bytes(range(256)))
        # then a command reads it, and open reads it back
        assert sb.exec("cat", "/tmp/notes.txt").stdout.read() == "one\ntwo\n"
        f = sb.open("/tmp/notes.txt")
        assert f.readline() == "one\n" and f.read() == "two\n"
        assert sb.open("/tmp/d/e/blob", "rb").read() == bytes(range(256))
        assert sb.ls("/tmp/d/e") == ["blob"]
        sb.rm("/tmp/d", recursive=True)
        # and what is not there is a clear error
        with pytest.raises(SandboxFilesystemNotFoundError):
            sb.open("/tmp/d/e/blob")
        with pytest.raises(InvalidError, match="absolute"):
            sb.open("relative.txt")
    finally:
        sb.terminate()


def test_a_named_sandbox_of_a_deployed_app_is_found_by_name_and_by_tags(client):
    # given a deployed app, and a named sandbox of it, tagged
    app = skylift.App("sandbox-home")

    @app.function(serialized=True, name="noop")
    def noop() -> None:
        pass

    app.deploy(client=client)
    sb = skylift.Sandbox.create(app=app, name="worker-1", client=client, timeout=120)
    try:
        sb.set_tags({"team": "ml"})
        # then it is found by its app and name, and by its app and tags; other tags find nothing
        assert skylift.Sandbox.from_name("sandbox-home", "worker-1", client=client).object_id == sb.object_id
        found = skylift.Sandbox.list(app_id=app.app_id, tags={"team": "ml"}, client=client)
        assert [s.object_id for s in found] == [sb.object_id]
        assert skylift.Sandbox.list(app_id=app.app_id, tags={"team": "other"}, client=client) == []
        assert sb.get_tags() == {"team": "ml"}
        # and a second running sandbox of that name is refused
        with pytest.raises(InvalidError, match="named 'worker-1' already"):
            skylift.Sandbox.create(app=app, name="worker-1", client=client, timeout=60)
    finally:
        sb.terminate()
    sb.wait()
    with pytest.raises(NotFoundError):
        skylift.Sandbox.from_name("sandbox-home", "worker-1", client=client)


def test_an_exec_past_its_timeout_is_killed_and_its_wait_says_so(client):
    from skylift.exception import ExecTimeoutError

    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        # when a process that prints, then sleeps long, has a 1 s timeout
        p = sb.exec("sh", "-c", "echo started; sleep 300", timeout=1)
        # then what it printed arrives, and it is killed: wait raises, and nothing of it is left
        assert p.stdout.read() == "started\n"
        with pytest.raises(ExecTimeoutError):
            p.wait()
        sleeping = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done 2>/dev/null | grep -c '^sleep 300 $'"
        assert sb.exec("sh", "-c", sleeping).stdout.read() == "0\n"
        # (the count sees a sleep that runs: the positive control)
        sb.exec("sleep", "300")
        assert _until(lambda: sb.exec("sh", "-c", sleeping).stdout.read() == "1\n", 10)
        # and a process within its timeout ends as usual
        assert sb.exec("true", timeout=30).wait() == 0
    finally:
        sb.terminate()


def test_a_python_session_answers_each_line_before_stdin_closes(client):
    sb = skylift.Sandbox.create(client=client, timeout=120)
    try:
        # given a Python interpreter reading expressions line by line
        program = "import sys\nfor line in sys.stdin:\n    print(eval(line), flush=True)"
        p = sb.exec("python3", "-u", "-c", program)
        lines = iter(p.stdout)
        # when one expression is sent at a time, then each answer comes back while stdin stays open
        for expression, answer in (("6 * 7", "42"), ("'ab' * 2", "abab"), ("sum(range(10))", "45")):
            p.stdin.write(expression + "\n")
            p.stdin.drain()
            assert next(lines) == answer + "\n"
        assert p.poll() is None
        # and when stdin closes, the session ends
        p.stdin.write_eof()
        p.stdin.drain()
        assert p.wait() == 0
    finally:
        sb.terminate()
