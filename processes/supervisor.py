"""The supervisor of the embedded platform: `skylift server start | status | stop`.

One machine, nothing but Docker: PostgreSQL and Redis are started in the data directory
(`~/.skylift/server/`, or SKYLIFT_DATA_DIR), then the ASGI server, a Celery worker with beat
for the control queue, and this machine's host agent. A supervisor process owns them all,
records their PIDs in `state.json`, and when it is stopped stops everything it started: its
processes, then the containers they started for its host (functions' and build network holders),
then the databases.

The CLI finds this module through the `skylift.server` entry point of the server's package.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from types import FrameType
from typing import Any, TypeGuard

from . import specs
from .databases import StartError, say, start_postgres, start_redis, stop_postgres

__all__ = ["server_start", "server_status", "server_stop"]

# Where the server's packages are (the repository, in an editable install): the processes' folder.
REPO = Path(__file__).resolve().parents[1]


# A part of the platform that exits is started again, unless it exits MAX_RESTARTS times within
# RESTART_WINDOW_SECONDS (then something is wrong that a restart will not fix, and all stop).
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0


def data_dir() -> Path:
    return Path(os.environ.get("SKYLIFT_DATA_DIR") or Path.home() / ".skylift" / "server")


def _state_path() -> Path:
    return data_dir() / "state.json"


def _read_state() -> dict:
    try:
        return json.loads(_state_path().read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_state(state: dict) -> None:
    path = _state_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2)
    tmp.replace(path)


def _alive(pid: int | None) -> TypeGuard[int]:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return True


def _port_free(port: int) -> bool:
    with closing(socket.socket()) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# The supervisor -----------------------------------------------------------------------------


def host_name() -> str:
    """This platform's host name: tells its containers apart from another platform's on the same
    Docker engine (a host agent removes containers of its host name that its database does not
    know, and a stop removes every container of it)."""
    digest = hashlib.sha256(str(data_dir().resolve()).encode()).hexdigest()[:6]
    return os.environ.get("SKYLIFT_HOST_NAME") or f"{socket.gethostname()}-{digest}"


def _django_env(database_url: str, redis_url: str) -> dict:
    env = os.environ.copy()
    env["SKYLIFT_HOST_NAME"] = host_name()
    if os.geteuid() != 0:
        # One machine, one user: the firewall that keeps containers off this machine's ports
        # needs root (hosts/firewall.py). Said at start (server_start), not silently.
        env.setdefault("SKYLIFT_HOST_FIREWALL", "off")
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SKYLIFT_DATA_DIR": str(data_dir()),
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "PYTHONUNBUFFERED": "1",
            # Its agent runs beside its control plane: it makes its own host token at start
            # (hosts/tokens.py), unless given one in SKYLIFT_HOST_TOKEN.
            "SKYLIFT_HOST_TOKEN_AUTO": "true",
        }
    )
    return env


def _manage(env: dict, *args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(specs.manage(*args), env=env, cwd=REPO, **kwargs)


def _spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    # A session of its own: what the process starts (Celery's pool and beat, the agent's worker)
    # stays in its process group, which a restart or a stop ends whole.
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _end_group(proc: subprocess.Popen) -> None:
    """Kill what is left of the process group of a child that has exited (say, the pool of a
    Celery worker that was killed: its processes live on unless someone ends them)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _remove_containers(name: str) -> None:
    """Remove the containers the platform's processes started for this host (they outlive them)."""
    from hosts.docker_client import DockerUnavailable, remove_host_containers

    try:
        removed = remove_host_containers(name)
    except DockerUnavailable as exc:
        print(
            f"skylift: the containers of host {name} could not be removed: {exc}", file=sys.stderr, flush=True
        )
        return
    if removed:
        say(f"Removed {removed} container{'s' if removed != 1 else ''} of host {name}")


def supervise(port: int) -> int:
    """Run every part of the platform until SIGTERM/SIGINT; the body of `skylift server start`."""
    directory = data_dir()
    logs = directory / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    state = _read_state()
    state.update(
        {
            "supervisor": os.getpid(),
            "port": port,
            "url": f"http://127.0.0.1:{port}",
            "host_name": host_name(),
            "ready": False,
        }
    )
    _write_state(state)
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        from hosts.docker_client import DockerUnavailable, engine_check

        try:
            engine_check()
        except DockerUnavailable as exc:
            raise StartError(str(exc)) from None
        database_url = start_postgres(state, directory)
        redis_url = start_redis(state, directory)
        _write_state(state)
        env = _django_env(database_url, redis_url)
        env.setdefault("SKYLIFT_PUBLIC_URL", state["url"].rstrip("/"))  # the OIDC tokens' issuer
        say("Applying database migrations")
        migrated = _manage(env, "migrate", "--no-input", capture_output=True, text=True)
        if migrated.returncode != 0:
            raise StartError("migrations failed:\n" + migrated.stderr[-2000:])
        _manage(env, "collectstatic", "--no-input", capture_output=True)
        boot = _manage(env, "bootstrap", "--server-url", state["url"], capture_output=True, text=True)
        if boot.returncode != 0:
            raise StartError("bootstrap failed:\n" + boot.stderr[-2000:])
        state["bootstrap"] = boot.stdout
        commands = {
            "web": specs.web(port=port),
            "worker": specs.control_worker(name="control", schedule=directory / "celerybeat-schedule"),
            "agent": specs.host_agent(),
        }
        for name, cmd in commands.items():
            children[name] = _spawn(cmd, env, logs / f"{name}.log")
        state["children"] = {name: proc.pid for name, proc in children.items()}
        _write_state(state)
        while not stopping:
            if _healthy(port):
                break
            for name, proc in children.items():
                if proc.poll() is not None:
                    raise StartError(f"the {name} process exited; see {logs / (name + '.log')}")
            time.sleep(0.1)
        state["ready"] = True
        _write_state(state)
        restarts: dict[str, list[float]] = {name: [] for name in children}
        while not stopping:
            for name, proc in list(children.items()):
                if proc.poll() is None or stopping:
                    continue
                now = time.monotonic()
                recent = [t for t in restarts[name] if now - t < RESTART_WINDOW_SECONDS]
                where = logs / (name + ".log")
                if len(recent) >= MAX_RESTARTS:
                    print(
                        f"skylift: the {name} process keeps exiting ({proc.returncode}); stopping. See {where}",
                        file=sys.stderr,
                        flush=True,
                    )
                    stopping = True
                    break
                # A part that died (a crash, a lost connection it did not survive) comes back.
                print(
                    f"skylift: the {name} process exited ({proc.returncode}); starting it again. See {where}",
                    file=sys.stderr,
                    flush=True,
                )
                restarts[name] = [*recent, now]
                _end_group(proc)
                children[name] = _spawn(commands[name], env, where)
                state["children"] = {n: p.pid for n, p in children.items()}
                _write_state(state)
            time.sleep(0.5)
        return 0
    except StartError as exc:
        state["error"] = str(exc)
        _write_state(state)
        print(f"skylift: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        for name in ("web", "agent", "worker"):
            child = children.get(name)
            if child and child.poll() is None:
                child.terminate()
        for proc in children.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            _end_group(proc)
        # Each step is tried whatever the one before met: a Docker error must not leave the
        # databases running.
        steps: list[Callable[[], None]] = [lambda: _stop_redis(state), lambda: stop_postgres(state)]
        if children:
            steps.insert(0, lambda: _remove_containers(state["host_name"]))
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001
                print(f"skylift: while stopping: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        state.update({"supervisor": None, "children": {}, "ready": False})
        _write_state(state)


def _stop_redis(state: dict) -> None:
    redis_pid = (state.get("redis") or {}).get("pid")
    if _alive(redis_pid):
        os.kill(redis_pid, signal.SIGTERM)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


# Commands -------------------------------------------------------------------------------------


def server_start(*, port: int = 8000, background: bool = False) -> int:
    state = _read_state()
    if _alive(state.get("supervisor")):
        print(f"Skylift is already running at {state.get('url')} (stop it with `skylift server stop`).")
        _print_ready()
        return 0
    if not _port_free(port):
        print(
            f"skylift: port {port} is in use; choose another with `skylift server start --port N`.",
            file=sys.stderr,
        )
        return 1
    if os.geteuid() != 0 and os.environ.get("SKYLIFT_HOST_FIREWALL", "off") == "off":
        print(
            "Note: not running as root, so containers can reach this machine's own ports "
            "(start the server as root to close that; see hosts/firewall.py).",
            flush=True,
        )
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for key in ("error", "bootstrap"):
        state.pop(key, None)
    _write_state(state)
    if not background:
        proc = subprocess.Popen([sys.executable, "-m", "processes.supervisor", str(port)], cwd=REPO)
        if not _wait_ready(proc):
            return 1
        _print_ready()
        print("Press Ctrl-C to stop.", flush=True)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            print("\nStopping Skylift...", flush=True)
            return proc.wait()
    log = directory / "logs"
    log.mkdir(exist_ok=True)
    with (log / "supervisor.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "processes.supervisor", str(port)],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    if not _wait_ready(proc):
        return 1
    _print_ready()
    print("It runs in the background; stop it with `skylift server stop`.", flush=True)
    return 0


def _wait_ready(proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = _read_state()
        if state.get("ready"):
            return True
        if proc.poll() is not None or state.get("error"):
            print(
                f"skylift: the server did not start: {state.get('error', 'see ' + str(data_dir() / 'logs'))}",
                file=sys.stderr,
            )
            return False
        time.sleep(0.1)
    print("skylift: the server did not become ready in 300 s", file=sys.stderr)
    return False


def _print_ready() -> None:
    state = _read_state()
    print(state.get("bootstrap", ""), end="", flush=True)
    print(f"Skylift is running: dashboard {state['url']}/  API docs {state['url']}/api/docs/", flush=True)
    print(f"Logs are in {data_dir() / 'logs'}", flush=True)


def server_status() -> int:
    state = _read_state()
    if not _alive(state.get("supervisor")):
        print("Skylift is not running (start it with `skylift server start`).")
        return 3
    print(f"Skylift is running at {state['url']} (supervisor pid {state['supervisor']})")
    for name, pid in (state.get("children") or {}).items():
        print(f"  {name:<8} pid {pid:<8} {'running' if _alive(pid) else 'exited'}")
    print(
        f"  {'redis':<8} pid {state['redis']['pid']:<8} {'running' if _alive(state['redis']['pid']) else 'exited'}"
    )
    print(f"  {'postgres':<8} port {state['postgres'].get('port', '-')}")
    print(f"  healthy: {'yes' if _healthy(state['port']) else 'no'}")
    sign_in = [line for line in state.get("bootstrap", "").splitlines() if line.startswith("Sign in")]
    if sign_in:
        print(sign_in[0])
    return 0


def server_stop() -> int:
    state = _read_state()
    pid = state.get("supervisor")
    if not _alive(pid):
        print("Skylift is not running.")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        print("skylift: the server did not stop in 60 s", file=sys.stderr)
        return 1
    print("Skylift stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(supervise(int(sys.argv[1])))
