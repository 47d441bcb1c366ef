"""The launcher: an idle sandbox's own process, which starts the processes exec'd into it.

Run inside the sandbox's container by its image's python3 (`python3 -I -S`, any Python 3.6 or
later; nothing imported but the standard library), it connects to the Unix socket its host agent
listens on for this sandbox (mounted read-only at /skylift/launch/sock; hosts/relay_launch.py)
and waits. For each exec the agent sends one SOCK_SEQPACKET message, JSON, with three file
descriptors (the ends of the process's stdin, stdout and stderr pipes, made by the agent):

    {"id": n, "argv": [...], "cwd": "..." or "", "env": {...}}        (+ 3 fds)
    {"kill": n}                                                       (kill process n's group)

and answers {"id": n, "pid": p} once the process runs (or {"id": n, "error": "..."} with exit
127/126 written to its stderr pipe, as a shell says it), then {"id": n, "exit": code} when it
ends. The process is forked from here: the container's namespaces, cgroup, capabilities,
seccomp profile, no-new-privileges and user, as `docker exec` gives, without the engine's round
trips. Its output goes straight into the agent's pipes: nothing is copied here.

If the launcher cannot run (no python3) or ends, the sandbox idles as before and its execs go
through `docker exec` (hosts/relay_sandbox.py).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading

PATH = "/skylift/launch/sock"
FDS = 3


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.connect(sys.argv[1] if len(sys.argv) > 1 else PATH)
    lock = threading.Lock()
    running: dict = {}

    def send(message):
        with lock:
            sock.send(json.dumps(message).encode())

    def wait(n, process):
        code = process.wait()
        running.pop(n, None)
        send({"id": n, "exit": code if code >= 0 else 128 - code})

    send({"hello": os.environ.get("SKYLIFT_SANDBOX_ID", "")})
    space = socket.CMSG_SPACE(FDS * 4)
    while True:
        data, ancillary, _flags, _ = sock.recvmsg(1 << 20, space)
        if not data:
            return
        fds: list = []
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % 4
                fds.extend(int.from_bytes(payload[i : i + 4], sys.byteorder) for i in range(0, usable, 4))
        message = json.loads(data.decode())
        if "kill" in message:
            process = running.get(message["kill"])
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
            continue
        n = message["id"]
        if len(fds) != FDS:
            for fd in fds:
                os.close(fd)
            send({"id": n, "error": "expected 3 descriptors"})
            continue
        env = dict(os.environ)
        env.update(message.get("env") or {})
        try:
            process = subprocess.Popen(
                message["argv"],
                stdin=fds[0],
                stdout=fds[1],
                stderr=fds[2],
                cwd=message.get("cwd") or None,
                env=env,
                start_new_session=True,
                close_fds=True,
                restore_signals=True,
            )
        except OSError as exc:
            code = 127 if isinstance(exc, FileNotFoundError) and not message.get("cwd") else 126
            try:
                os.write(fds[2], "{}: {}\n".format(message["argv"][0], exc.strerror or exc).encode())
            except OSError:
                pass
            for fd in fds:
                os.close(fd)
            send({"id": n, "error": str(exc), "exit": code})
            continue
        for fd in fds:
            os.close(fd)
        running[n] = process
        send({"id": n, "pid": process.pid})
        threading.Thread(target=wait, args=(n, process), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError, KeyError):
        pass  # the agent went away (or spoke nonsense): the sandbox idles on
