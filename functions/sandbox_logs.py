"""A sandbox's logs (what its own command prints) and processes, for the API, the CLI
(`skylift sandbox logs`) and the dashboard.

While it runs they are read from its container through its host agent (`docker logs`,
`docker top`: functions/sandbox_agent.py); when its container ends, its host agent keeps the last
KEEP_LINES lines (up to KEEP_BYTES) in a SandboxLog before removing the container, and they are
read from there. What processes `exec` starts print to their caller, not to these logs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from .models import Sandbox, SandboxLog, SandboxStatus
from .sandbox_agent import agent_call

__all__ = ["KEEP_BYTES", "KEEP_LINES", "keep_logs", "sandbox_logs", "sandbox_processes"]

log = logging.getLogger(__name__)

KEEP_LINES = 10_000
KEEP_BYTES = 1024 * 1024
MAX_TAIL = 10_000


def sandbox_logs(sandbox: Sandbox, *, tail: int = 1000, since: datetime | None = None) -> dict:
    """{"lines": [{"at", "stream", "text"}], "live": bool, "truncated": bool}, oldest first."""
    tail = max(1, min(tail, MAX_TAIL))
    if sandbox.status == SandboxStatus.RUNNING and sandbox.container_id:
        request: dict = {"op": "logs", "tail": tail}
        if since is not None:
            request["since"] = since.timestamp()
        lines = agent_call(sandbox, request)["lines"]
        live, truncated = True, False
    else:
        kept = SandboxLog.objects.filter(sandbox=sandbox).first()
        lines = kept.lines if kept else []
        truncated = bool(kept and kept.truncated)
        if since is not None:
            lines = [line for line in lines if _instant(line[0]) > since]
        truncated = truncated or len(lines) > tail
        lines, live = lines[-tail:], False
    return {
        "lines": [{"at": at, "stream": stream, "text": text} for at, stream, text in lines],
        "live": live,
        "truncated": truncated,
    }


def _instant(text: str) -> datetime:
    """Docker's RFC 3339 time (nanoseconds, Z) as an aware datetime (to the microsecond)."""
    whole, _, rest = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{(rest + '000000')[:6]}+00:00")


def sandbox_processes(sandbox: Sandbox) -> dict:
    """{"titles": [...], "processes": [[...]]}: what runs in the sandbox now (`docker top`); none
    before it runs or once it has ended."""
    if sandbox.status != SandboxStatus.RUNNING or not sandbox.container_id:
        return {"titles": [], "processes": []}
    reply = agent_call(sandbox, {"op": "processes"})
    return {"titles": reply["titles"], "processes": reply["processes"]}


def keep_logs(sandbox_id: str, container_id: str) -> None:
    """On its host, as its container ends: keep the sandbox's last lines (safe to repeat; a
    container already gone keeps what was kept before)."""
    from hosts import docker_client

    try:
        lines = docker_client.container_logs(container_id, tail=KEEP_LINES)
    except Exception:  # noqa: BLE001 - gone already, or no engine here: nothing more to keep
        log.info("could not read the logs of sandbox %s's container", sandbox_id, exc_info=True)
        return
    kept, size = [], 0
    for line in reversed(lines):
        size += len(line[2]) + 40
        if size > KEEP_BYTES:
            break
        kept.append(line)
    kept.reverse()
    truncated = len(kept) < len(lines) or len(lines) >= KEEP_LINES
    if kept or truncated:
        SandboxLog.objects.update_or_create(
            sandbox_id=sandbox_id, defaults={"lines": kept, "truncated": truncated}
        )
