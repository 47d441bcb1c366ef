"""Delivery state: every transition of calls, inputs and containers (tasks), in one place.

The fast path, the relay, the services, the autoscaler and the host agent all change the same
rows; none of them spells a transition itself. Each transition here is a named function that
takes ids and returns what changed. It is written once, as a *plan*: a generator that yields SQL
statements (`Stmt`) and receives their rows, so that the same rule runs on Django's connection
(`run`, synchronous, inside whatever transaction the caller holds) and on an async psycopg
connection (`arun`, for the fast path and the relay, whose hot paths cannot afford the ORM).

    rows = run(finish_calls(["fc-..."]))                 # Django
    rows = await arun(conn, finish_calls(["fc-..."]))    # psycopg AsyncConnection

`plans` holds the runners; `calls`, `inputs` and `containers` the transitions of each kind of
record, `placement` the choice of a new container's host and GPU devices (and of a cluster's
members, all or none), `clusters` the lives of clusters' members, `sandboxes` the lifecycle
of sandbox containers, and `schedules` the
firing of a schedule's tick (a call it makes). Import them from
here: `from functions import delivery; delivery.run(delivery.claim(...))`.

The rules of the contract (RELIABILITY.md) live in these statements:

- **Fencing.** An input is claimed by one container at a time; every write about it (an output,
  a generator value, a requeue, a release) names the attempt it claimed *and* the task that
  claimed it, so a stale attempt or another container (of this workspace or any other) changes
  nothing.
- **One finish rule.** A call finishes once it is closed and none of its inputs is pending or
  running; it succeeded when every input did (`_finish_calls_sql`).
- **Counted disruptions.** User retries, crashes and preemptions are counted apart; a crash spends
  a retry and counts toward the platform's crash cap, a preemption spends neither.

Statuses come from the models' `TextChoices`; they are written into the SQL as literals (not
parameters) so that PostgreSQL matches the partial indexes on unfinished inputs.

Redis messages (queue pushes, wake-ups, cancellations) are not state: callers send them after
the transition commits, from what it returns.
"""

from __future__ import annotations

from .calls import (
    Accepted,
    Added,
    ChildCall,
    accept_call,
    accept_child_call,
    accept_one,
    add_inputs,
    calls_started,
    cancel_call,
    cancel_children,
    fail_pending,
    finish_calls,
)
from .clusters import CLUSTER_ENDED, CLUSTER_MEMBER_CRASHED, cluster_inputs, clusters_broken
from .containers import (
    Exited,
    may_scale_down,
    task_container,
    task_create,
    task_exited,
    task_hello,
    task_lost,
    task_reason,
    task_start_failed,
    task_starting,
    task_stopping,
    tasks_start_timed_out,
)
from .ends import KILLED_EXIT_CODES, PLATFORM_STOP_CAUSES
from .inputs import (
    claim,
    inputs_released,
    outputs_expired,
    record_item,
    record_outputs,
    requeue_preempted,
    requeue_stranded,
    retry_delay,
    terminal_status,
)
from .placement import (
    HOLDING,
    Placed,
    place_build_step,
    place_cluster,
    place_container,
    place_sandbox,
    tasks_on_lost_devices,
)
from .plans import LIVE, UNFINISHED, Plan, Rows, Stmt, arun, run
from .sandboxes import (
    Stop,
    sandbox_active,
    sandbox_claim,
    sandbox_container,
    sandbox_exited,
    sandbox_start_failed,
    sandbox_starting,
    sandbox_stopping,
    sandboxes_active,
    sandboxes_expired,
    sandboxes_host_lost,
    sandboxes_on_lost_devices,
    sandboxes_pool_retired,
)
from .schedules import Fired, fire_schedule

__all__ = [
    "CLUSTER_ENDED",
    "CLUSTER_MEMBER_CRASHED",
    "HOLDING",
    "LIVE",
    "KILLED_EXIT_CODES",
    "PLATFORM_STOP_CAUSES",
    "UNFINISHED",
    "Accepted",
    "Added",
    "ChildCall",
    "Exited",
    "Fired",
    "Placed",
    "Plan",
    "Rows",
    "Stmt",
    "Stop",
    "accept_call",
    "accept_child_call",
    "accept_one",
    "add_inputs",
    "arun",
    "calls_started",
    "cancel_call",
    "cancel_children",
    "claim",
    "cluster_inputs",
    "clusters_broken",
    "fail_pending",
    "finish_calls",
    "fire_schedule",
    "inputs_released",
    "may_scale_down",
    "outputs_expired",
    "place_cluster",
    "place_build_step",
    "place_container",
    "place_sandbox",
    "record_item",
    "record_outputs",
    "requeue_preempted",
    "requeue_stranded",
    "retry_delay",
    "run",
    "sandbox_active",
    "sandbox_claim",
    "sandbox_container",
    "sandbox_exited",
    "sandbox_start_failed",
    "sandbox_starting",
    "sandbox_stopping",
    "sandboxes_active",
    "sandboxes_expired",
    "sandboxes_host_lost",
    "sandboxes_on_lost_devices",
    "sandboxes_pool_retired",
    "task_container",
    "task_create",
    "task_exited",
    "task_hello",
    "task_lost",
    "task_reason",
    "task_start_failed",
    "task_starting",
    "task_stopping",
    "tasks_on_lost_devices",
    "tasks_start_timed_out",
    "terminal_status",
]
