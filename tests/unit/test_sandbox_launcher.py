"""The sandbox launcher (hosts/sandbox_launcher.py) and the agent's side of it (hosts/relay_launch.py),
as real processes on this machine: a process's pipes handed over the socket, its output and exit
code, a missing command answered as a shell does, a kill, a second connection refused, and a
launcher gone. (In a container: tests/integration/test_sandbox_pool.py.)"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import subprocess
import sys

import pytest

from hosts.relay_launch import SCRIPT, Launchers


async def _read_all(fd: int) -> bytes:
    return await asyncio.to_thread(lambda: b"".join(iter(lambda: os.read(fd, 65536), b"")))


async def _run(launcher, argv, *, stdin: bytes = b"", env=None):
    started = await launcher.start(argv, cwd="", env=env or {})
    os.write(started.stdin, stdin)
    os.close(started.stdin)
    out, err = await asyncio.gather(_read_all(started.stdout), _read_all(started.stderr))
    os.close(started.stdout)
    os.close(started.stderr)
    return out, err, await asyncio.wait_for(started.exit, 10)


@pytest.fixture
def sockets(tmp_path):
    return tmp_path


def test_processes_run_through_the_launcher_with_their_streams_and_exit_codes(sockets):
    async def scenario():
        launchers = Launchers()
        directory = await launchers.open("sb-test", sockets / "sb-test.launch")
        assert (directory / "launcher.py").read_bytes() == SCRIPT.read_bytes()
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(directory / "launcher.py"), str(directory / "sock")],
            env={"SKYLIFT_SANDBOX_ID": "sb-test", "PATH": os.environ["PATH"]},
        )
        try:
            for _ in range(200):
                if launchers.get("sb-test") is not None:
                    break
                await asyncio.sleep(0.02)
            launcher = launchers.get("sb-test")
            assert launcher is not None
            # a process's stdin, stdout, stderr and exit code, with the variables it is given
            out, err, code = await _run(
                launcher,
                ["sh", "-c", 'cat; echo "$EXTRA"; echo oops >&2; exit 3'],
                stdin=b"from stdin\n",
                env={"EXTRA": "given"},
            )
            assert (out, err, code) == (b"from stdin\ngiven\n", b"oops\n", 3)
            # a command that does not exist: 127 and a message on stderr, as a shell says it
            out, err, code = await _run(launcher, ["no-such-command-here"])
            assert code == 127 and b"no-such-command-here" in err and out == b""
            # a process killed (its timeout, its caller gone): the signal's exit code, its group gone
            started = await launcher.start(["sh", "-c", "sleep 60 & sleep 60"], cwd="", env={})
            launcher.kill(started.n)
            assert await asyncio.wait_for(started.exit, 10) == 137
            for fd in (started.stdin, started.stdout, started.stderr):
                os.close(fd)
            # a second connection while the launcher is live is refused (one launcher a sandbox)
            again = await asyncio.create_subprocess_exec(
                sys.executable,
                "-I",
                "-S",
                str(directory / "launcher.py"),
                str(directory / "sock"),
                env={"SKYLIFT_SANDBOX_ID": "sb-test"},
            )
            assert await asyncio.wait_for(again.wait(), 20) == 0 and launchers.get("sb-test") is launcher
        finally:
            process.kill()
            process.wait()
        # when the launcher is gone, the agent knows it (its execs take docker exec)
        for _ in range(200):
            if launchers.get("sb-test") is None:
                break
            await asyncio.sleep(0.02)
        assert launchers.get("sb-test") is None
        with pytest.raises(ConnectionError):
            await launcher.start(["true"], cwd="", env={})
        await launchers.close("sb-test")
        assert not directory.exists()

    # In a thread of its own: a browser test's event loop may be running in this one (the suite's order).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
