"""How a container's end is read: which stops the platform asked for, and which exits were a kill
from outside. `containers.task_exited`, `clusters.clusters_broken` and the autoscaler's crash-loop
check read them here."""

from __future__ import annotations

__all__ = ["CLUSTER_ENDED", "KILLED_EXIT_CODES", "PLATFORM_STOP_CAUSES"]

# A cluster's member stopped because another of its cluster ended (clusters.py).
CLUSTER_ENDED = "cluster_ended"

# Stops the platform itself asked for: inputs caught in them run again without spending the
# user's retries (RELIABILITY contract 5).
PLATFORM_STOP_CAUSES = frozenset(
    {
        "app_stopped",
        "scaled_down",
        "host_drain",
        "host_lost",
        "agent_restart",
        "gpu_lost",
        "container_stopped",
        CLUSTER_ENDED,
    }
)

# A container's exit codes after SIGKILL and SIGTERM: killed from outside (`docker kill` or
# `stop`, an operator), not by its own code, unless Docker says it ran out of memory.
KILLED_EXIT_CODES = (128 + 9, 128 + 15)
