"""Placement: which host a new container runs on, and which of its GPU devices it gets.

One decision per host at a time (DESIGN.md): a container is placed while holding its host's
placement lock, the row lock of its usage (hosts.HostUsage, `FOR UPDATE`), and the usage is read
under it, exact (the database's triggers take the same row lock for every change of the host's
containers), so two decisions never both take a host's last CPU, memory or device. The lock is
held until the new task row commits. Candidates are tried best first with `SKIP LOCKED` (a host
another decision holds is skipped for the next); a decision waits, for its best host's lock
only, when every candidate was busy: a transaction that waits holds no host lock (no deadlocks).

The candidates are chosen by index, without reading every host: the database keeps each host's
free CPU and memory (HostUsage) and free healthy devices per model (hosts.HostFree), written by
the same triggers, so one statement finds the live hosts with the CPU, memory and free devices
the request needs, ordered by the policy below, the best few. They are ranked again exactly in
Python, and the chosen one is checked again under its lock. Only a request that no host can take
now reads every live host, to say why.

A device is held by its task while the task is live or stopping (its container may still run),
and is free again once the task has settled, whichever way it ended (exit, crash, start failure,
host loss: every one of them settles the task, `containers.task_exited`). Nothing else frees it.

The policy (docs/gpus.md): the request's specs in their order, the model asked for before an
upgrade; then best fit (the host left with the fewest free devices of that model, so that hosts
with many free devices stay whole for large requests); then the most free CPU. CPU-only
containers go to hosts without GPUs first. A GPU request that cannot be placed *reserves* the
host nearest to holding it: until it is placed (or stops asking), other requests take that
host's devices of that model only while enough stay free for it, so a stream of small requests
cannot starve a large one. A workspace's `gpu_limit` caps the devices its containers hold.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from accounts.models import Workspace
from builds.models import Build, StepDevices
from hosts import gpus
from hosts.models import Host, HostFree, HostUsage

from ..models import Sandbox, TaskStatus
from .containers import task_create
from .plans import LIVE, F, K, Rows, Stmt, _in, transition

__all__ = [
    "HEALTHY_INDICES",
    "HOLDING",
    "RESERVATION_SECONDS",
    "HostState",
    "alive_hosts",
    "Need",
    "Placed",
    "explain",
    "lost_devices_sql",
    "place_build_step",
    "place_cluster",
    "place_container",
    "place_sandbox",
    "rank",
    "shortfall",
    "tasks_on_lost_devices",
]

H = Host._meta.db_table
U = HostUsage._meta.db_table
HF = HostFree._meta.db_table
W = Workspace._meta.db_table
S = Sandbox._meta.db_table  # sandboxes hold their host's CPU and memory as tasks do
B = StepDevices._meta.db_table  # GPU build steps hold their host's devices (no CPU or memory)

# Statuses in which a task holds its host's resources: its container may be running.
HOLDING = _in(TaskStatus.PENDING, TaskStatus.STARTING, TaskStatus.RUNNING, TaskStatus.STOPPING)
# How long a waiting request's reservation lasts without being renewed (the autoscaler renews
# it every tick while the request waits).
RESERVATION_SECONDS = 30.0
# Candidates tried in one decision before giving up until the next tick.
MAX_CANDIDATES = 8


@dataclass(frozen=True)
class Need:
    """What a container of a function asks for."""

    function_id: str
    cpu: float
    memory: int
    wants: tuple[gpus.Want, ...] = ()

    @property
    def gpu(self) -> bool:
        return bool(self.wants)


@dataclass
class HostState:
    """A host and what the containers placed on it hold: its devices and the held ones by index
    (`from_row`, as a decision reads a host it may place on), or only how many of each model it
    has healthy and how many are held (`from_counts`, as a wait is worded: every live host is
    read, and the device lists are most of the bytes)."""

    id: int
    name: str
    cpu: float
    memory: int
    devices: list[gpus.Device]
    used_cpu: float = 0.0
    used_memory: int = 0
    used_devices: set[int] = field(default_factory=set)
    reserved_for: str = ""
    reserved_model: str = ""
    reserved_count: int = 0
    # Read as counts: healthy devices per model, and held devices per model (`devices` and
    # `used_devices` are then empty).
    counts: dict[str, int] | None = None
    held: dict[str, int] | None = None

    @classmethod
    def from_row(cls, row: dict) -> HostState:
        """A host from a statement of this module that reads hosts with their devices and usage."""
        used = row["used_devices"] or []
        return cls(
            id=row["id"],
            name=row["name"],
            cpu=row["cpu"],
            memory=row["memory"],
            devices=row["gpus"] or [],
            used_cpu=float(row["used_cpu"] or 0.0),
            used_memory=int(row["used_memory"] or 0),
            used_devices=set(used),
            **cls._reservation(row),
        )

    @classmethod
    def from_counts(cls, row: dict) -> HostState:
        """A host from ALIVE_HOSTS_SQL: its devices as counts per model."""
        return cls(
            id=row["id"],
            name=row["name"],
            cpu=row["cpu"],
            memory=row["memory"],
            devices=[],
            used_cpu=float(row["used_cpu"] or 0.0),
            used_memory=int(row["used_memory"] or 0),
            counts=row["gpu_models"] or {},
            held=row["held"] or {},
            **cls._reservation(row),
        )

    @staticmethod
    def _reservation(row: dict) -> dict:
        if not row["reserved"]:
            return {}
        return {
            "reserved_for": row["reserved_for"],
            "reserved_model": row["reserved_model"],
            "reserved_count": row["reserved_count"],
        }

    @cached_property
    def models(self) -> dict[str, int]:
        """How many healthy devices of each model it has (a model it has none of is not in it)."""
        if self.counts is not None:
            return {m: n for m, n in self.counts.items() if n > 0}
        out: dict[str, int] = {}
        for d in gpus.healthy(self.devices):
            out[d["model"]] = out.get(d["model"], 0) + 1
        return out

    @cached_property
    def free(self) -> Mapping[str, Sequence[int]]:
        """Its free healthy devices by model (gpus.free_by_model). Read as counts, stand-ins for as
        many as are free (the database counts the held ones by the model its inventory has at each
        held index, healthy ones only: the same rule, functions migration 0033)."""
        if self.counts is None:
            return gpus.free_by_model(self.devices, self.used_devices)
        held = self.held or {}
        return {m: range(max(n - held.get(m, 0), 0)) for m, n in self.models.items()}

    @property
    def held_total(self) -> int:
        """How many of its healthy devices its containers hold."""
        if self.counts is not None:
            return sum((self.held or {}).values())
        return sum(1 for d in gpus.healthy(self.devices) if d["index"] in self.used_devices)

    @property
    def free_cpu(self) -> float:
        return self.cpu - self.used_cpu

    @property
    def free_memory(self) -> int:
        return self.memory - self.used_memory

    def free_of(self, model: str) -> int:
        return len(self.free.get(model, ()))

    def held_for_others(self, function_id: str) -> dict[str, int]:
        """Devices of a model that another function's reservation keeps free on this host."""
        if self.reserved_for and self.reserved_for != function_id:
            return {self.reserved_model: self.reserved_count}
        return {}

    def emptied(self) -> HostState:
        """The host as it would be with no container on it and no reservation."""
        held: dict[str, int] | None = None if self.counts is None else {}
        return replace(self, used_cpu=0.0, used_memory=0, used_devices=set(), held=held, reserved_for="")


def _fit(need: Need, host: HostState) -> gpus.Fit | None:
    """How the host meets the need's GPUs now, leaving alone what another request's reservation
    keeps free. (For a host read as counts, the devices are stand-ins: such a fit says only
    whether and how.)"""
    return gpus.fit_free(need.wants, host.free, host.held_for_others(need.function_id))


@dataclass(frozen=True)
class Candidate:
    host: HostState
    fit: gpus.Fit | None
    key: tuple


def rank(need: Need, hosts: Iterable[HostState]) -> list[Candidate]:
    """The hosts that can take the container now, best first (see the module's policy)."""
    out = []
    for host in hosts:
        if host.free_cpu < need.cpu or host.free_memory < need.memory:
            continue
        if not need.gpu:
            out.append(Candidate(host, None, (bool(host.models), -host.free_cpu, host.name)))
            continue
        found = _fit(need, host)
        if found is not None:
            key = (found.rank, found.model_rank, found.left, -host.free_cpu, host.name)
            out.append(Candidate(host, found, key))
    return sorted(out, key=lambda c: c.key)


def shortfall(need: Need, host: HostState) -> str | None:
    """What the host lacks to take the container now, in words; None if it can take it."""
    lacks = []
    if need.gpu and _fit(need, host) is None:
        lacks.append(_gpu_shortfall(need, host))
    if host.free_cpu < need.cpu:
        lacks.append(f"{max(host.free_cpu, 0):g} of {host.cpu:g} CPU free (needs {need.cpu:g})")
    if host.free_memory < need.memory:
        lacks.append(f"{max(host.free_memory, 0)} of {host.memory} MiB free (needs {need.memory})")
    return "; ".join(lacks) or None


def _gpu_shortfall(need: Need, host: HostState) -> str:
    words = []
    for want in need.wants:
        models = [m for m in want.models if m in host.models]
        if want.any:
            models += sorted(set(host.models) - set(models))
        if not models:
            words.append(f"no {want.spec.split(':')[0].rstrip('!')}")
            continue
        best = max(models, key=host.free_of)
        total = host.models[best]
        free = host.free_of(best)
        note = f"{free} of {total} {best} free (needs {want.count})"
        if total < want.count:
            note = f"only {total} {best} (needs {want.count})"
        elif free >= want.count:
            note = f"its free {best} are held for a larger request that waits"
        words.append(note)
    return ", ".join(dict.fromkeys(words))


def explain(
    need: Need, hosts: Sequence[HostState], *, unavailable: int = 0, limit: int = 6, head: str = ""
) -> str:
    """Why no host can take the container now (`head`, by default what it waits for): the hosts
    grouped by what they lack."""
    groups: dict[str, list[str]] = {}
    for host in hosts:
        reason = shortfall(need, host)
        if reason:
            groups.setdefault(reason, []).append(host.name)
    parts = []
    for reason, names in list(groups.items())[:limit]:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        parts.append(f"{shown}: {reason}")
    if len(groups) > limit:
        parts.append(f"{len(groups) - limit} more kinds of shortfall")
    if unavailable:
        parts.append(f"{unavailable} host(s) draining or lost")
    if not hosts:
        parts.insert(0, "no live host")
    wanted = gpus.describe(need.wants) if need.gpu else "no GPU"
    head = head or f"Waiting for a host with {need.cpu:g} CPU, {need.memory} MiB and {wanted}"
    return f"{head}: " + "; ".join(parts) if parts else head


# Statements -----------------------------------------------------------------------------------

# The function, and whether it has a waiting reason or reservations for a placement to end (a
# placement that finds neither writes nothing more than its task rows). A decision of the same
# function that waits and commits after this read leaves its reason and reservation behind, as
# it would after the statements that end them: the function's next placement ends them, and a
# reservation not renewed ends by itself (RESERVATION_SECONDS). (`<> ''`: so that the index
# host_reserved_for serves it.)
FUNCTION_SQL = f"""
SELECT f.id, f.workspace_id, f.cpu, f.memory, f.gpu, f.cluster_size, w.gpu_limit,
       f.waiting_reason <> '' AS waiting, EXISTS (SELECT 1 FROM {H} h WHERE h.reserved_for = f.id AND h.reserved_for <> '') AS reserving
  FROM {F} f JOIN {W} w ON w.id = f.workspace_id
 WHERE f.id = %(function)s
"""

LIVE_HOSTS = f"""
SELECT h.id, h.name, h.cpu, h.memory, h.gpus, h.reserved_for, h.reserved_model, h.reserved_count,
       coalesce(h.reserved_until > now(), false) AS reserved,
       coalesce(u.cpu, 0) AS used_cpu, coalesce(u.memory, 0) AS used_memory,
       coalesce(u.devices, '{{}}') AS used_devices
  FROM {H} h LEFT JOIN {U} u ON u.host_id = h.id
 WHERE h.lease_expires_at >= now() AND NOT h.draining
"""
# Every live host with its usage as the database keeps it (hosts.HostUsage), its devices as counts
# per model (healthy ones, Host.gpu_models; healthy held ones, HostUsage.held): what a wait is worded from
# (HostState.from_counts). In the order they registered (a refusal names them in that order).
ALIVE_HOSTS_SQL = f"""
SELECT h.id, h.name, h.cpu, h.memory, h.gpu_models, h.reserved_for, h.reserved_model, h.reserved_count,
       coalesce(h.reserved_until > now(), false) AS reserved,
       coalesce(u.cpu, 0) AS used_cpu, coalesce(u.memory, 0) AS used_memory, u.held
  FROM {H} h LEFT JOIN {U} u ON u.host_id = h.id
 WHERE h.lease_expires_at >= now() AND NOT h.draining
 ORDER BY h.id
"""
# One live host with its devices, as a decision reads it again while it holds the host's placement
# lock (its usage row's, LOCK_HOST_SQL): exact there, and its own task rows are counted in it at once.
ONE_HOST_SQL = LIVE_HOSTS + " AND h.id = %(host)s"

# A live host taken under its placement lock: the lock of its usage row (hosts.HostUsage), which
# every change of the host's containers takes too (the database's triggers), held until this
# transaction ends. FOR UPDATE reads the row's latest committed version, so the usage read under
# it is exact: every decision and every change of the host's containers that could change it has
# committed before, or waits for this transaction. The host's own row (its devices, capacity,
# lease) is as the statement's snapshot had it: after a wait, read again (`_take`). With SKIP
# LOCKED, a host whose lock another transaction holds gives no row (the decision tries its next
# candidate); without, the decision waits for it. Every host has its usage row from its
# registration (functions migration 0032_host_free_capacity); `live` says whether it is still
# live and not draining.
LOCK_HOST_SQL = f"""
SELECT h.id, h.name, h.cpu, h.memory, h.gpus, h.reserved_for, h.reserved_model, h.reserved_count,
       coalesce(h.reserved_until > now(), false) AS reserved,
       u.cpu AS used_cpu, u.memory AS used_memory, u.devices AS used_devices,
       (h.lease_expires_at >= now() AND NOT h.draining) AS live
  FROM {U} u JOIN {H} h ON h.id = u.host_id
 WHERE u.host_id = %(host)s
   FOR UPDATE OF u {{skip}}
"""
TRY_LOCK_HOST_SQL = LOCK_HOST_SQL.format(skip="SKIP LOCKED")
WAIT_LOCK_HOST_SQL = LOCK_HOST_SQL.format(skip="")
# Around a decision's tries (`_take`): going back to it gives back the row locks taken since.
TAKE_SAVEPOINT_SQL = "SAVEPOINT place_take"
UNTAKE_SQL = "ROLLBACK TO SAVEPOINT place_take"

# The live hosts that can take the container now, best first (the module's policy; ranked again
# exactly in Python), the best %(limit)s, found by index in the free capacity the database keeps
# (hosts.HostUsage's free CPU and memory, hosts.HostFree's free devices per model) rather than by
# reading every host. Free devices of a model are its healthy ones whose index no container holds.
CANDIDATE_COLUMNS = """h.id, h.name, h.cpu, h.memory, h.gpus, h.reserved_for, h.reserved_model, h.reserved_count,
       coalesce(h.reserved_until > now(), false) AS reserved,
       u.cpu AS used_cpu, u.memory AS used_memory, u.devices AS used_devices"""
# Without a GPU: hosts without GPUs first, then the most free CPU (index host_usage_cpu_free).
CPU_CANDIDATES_SQL = f"""
SELECT {CANDIDATE_COLUMNS}
  FROM {U} u JOIN {H} h ON h.id = u.host_id
 WHERE u.cpu_free >= %(cpu)s AND u.memory_free >= %(memory)s AND h.lease_expires_at >= now() AND NOT h.draining
 ORDER BY u.gpu, u.cpu_free DESC, u.host_id
 LIMIT %(limit)s
"""
# A GPU request's specs come as parallel arrays, one row per (spec, model) it accepts; "*" stands
# for the models an "any" spec takes that have no Modal name (after the named ones). For each, the
# hosts with enough free devices of the model beyond what another request's reservation keeps,
# best fit first (index host_free_model), the best %(limit)s; then each host by its best
# (spec, model), in the policy's order.
GPU_CANDIDATES_SQL = f"""
WITH fits AS (
    SELECT x.host_id, w.spec_rank, w.model_rank, x.free - w.count AS left_after, x.cpu_free
      FROM unnest(%(spec_ranks)s::int[], %(model_ranks)s::int[], %(models)s::text[], %(counts)s::int[])
           AS w(spec_rank, model_rank, model, count)
     CROSS JOIN LATERAL (
        (SELECT f.host_id, f.free, f.cpu_free FROM {HF} f
          WHERE w.model <> '*' AND f.model = w.model {{fits}}
          ORDER BY f.free, f.cpu_free DESC, f.host_id
          LIMIT %(limit)s)
        UNION ALL
        (SELECT f.host_id, f.free, f.cpu_free FROM {HF} f
          WHERE w.model = '*' AND NOT f.model = ANY(%(named)s::text[]) {{fits}}
          ORDER BY f.free, f.cpu_free DESC, f.host_id
          LIMIT %(limit)s)
     ) x
), best AS (
    SELECT DISTINCT ON (host_id) * FROM fits ORDER BY host_id, spec_rank, model_rank, left_after
)
SELECT c.* FROM best b CROSS JOIN LATERAL (
    SELECT {CANDIDATE_COLUMNS} FROM {H} h JOIN {U} u ON u.host_id = h.id WHERE h.id = b.host_id OFFSET 0
) c
 ORDER BY b.spec_rank, b.model_rank, b.left_after, b.cpu_free DESC, c.name
 LIMIT %(limit)s
""".format(
    # The host's own conditions as a subquery run for each row the index gives, in order, until
    # enough have passed (as a join, the planner reads every host).
    fits=f"""AND f.free >= w.count AND f.cpu_free >= %(cpu)s AND f.memory_free >= %(memory)s
            AND (SELECT h.lease_expires_at >= now() AND NOT h.draining
                        AND f.free - w.count >= CASE WHEN h.reserved_until > now() AND h.reserved_for NOT IN ('', %(function)s)
                                                          AND h.reserved_model = f.model THEN h.reserved_count ELSE 0 END
                   FROM {H} h WHERE h.id = f.host_id)"""
)
# Candidates read per decision: a few more than are tried, so the exact ranking has a choice.
CANDIDATE_ROWS = 16

UNAVAILABLE_SQL = f"SELECT count(*) AS n FROM {H} WHERE lease_expires_at < now() OR draining"

LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(%(key)s))"

WORKSPACE_GPUS_SQL = f"""
SELECT coalesce(sum(n), 0) AS held FROM (
    SELECT cardinality(gpu_devices) AS n FROM {K} WHERE workspace_id = %(workspace)s AND status IN {HOLDING}
    UNION ALL
    SELECT cardinality(gpu_devices) FROM {S} WHERE workspace_id = %(workspace)s AND status IN {HOLDING}
    UNION ALL
    SELECT cardinality(gpu_devices) FROM {B} WHERE workspace_id = %(workspace)s AND released_at IS NULL
) held
"""

PLACED_SQL = f"""
UPDATE {F} SET waiting_reason = '', waiting_since = NULL WHERE id = %(function)s AND waiting_reason <> ''
"""
# A request's reservations (it can hold several: each wait reserves the host nearest to holding it)
# end once it is placed, before the function's row (PLACED_SQL), as a decision that waits takes a
# host's row (RESERVE_SQL) before the function's (WAITING_SQL). A host's row that another
# transaction is writing now (a decision of the same request reserving it again, a heartbeat
# changing the host's devices) is skipped, and its reservation left to end by itself
# (RESERVATION_SECONDS): the decision holds its host's placement lock here, which a heartbeat's
# change of devices waits for (the database's trigger) while it holds the host's row, so waiting
# for that row could deadlock. NO KEY UPDATE, as the update takes: decisions lock hosts' rows FOR
# KEY SHARE only (a task's foreign key), which that does not conflict with.
UNRESERVE_SQL = f"""
UPDATE {H} SET reserved_for = '', reserved_model = '', reserved_count = 0, reserved_until = NULL
 WHERE id IN (SELECT id FROM {H} WHERE reserved_for = %(function)s FOR NO KEY UPDATE SKIP LOCKED)
"""
WAITING_SQL = f"""
UPDATE {F} SET waiting_reason = %(reason)s, waiting_since = coalesce(waiting_since, now()) WHERE id = %(function)s
"""
RESERVE_SQL = f"""
UPDATE {H} SET reserved_for = %(function)s, reserved_model = %(model)s, reserved_count = %(count)s,
       reserved_until = now() + make_interval(secs => %(seconds)s)
 WHERE id = %(host)s AND (reserved_for IN ('', %(function)s) OR reserved_until IS NULL OR reserved_until < now())
"""


# Why a container waits takes every live host's inventory to word (about 25 ms at 1,000 hosts on an
# idle machine, against about 3 ms for a placement), and a function that waits is decided again at
# every tick, by every scheduler. So each process keeps what it last worked out for a request (a
# function's container or a sandbox), the words and the host to reserve, for EXPLAINED_SECONDS, as
# long as the hosts are the same ones, as they were (HOSTS_SHAPE_SQL): none joined, left, drained or
# changed its capacity or devices (a counter the database bumps on each, functions migration
# 0032_host_free_capacity), and as many hosts are lost as then (a lease runs out without a write).
# What the hosts' containers hold, and their reservations, may have changed meanwhile: the words can
# be that much behind. (Reservations come and go with most GPU placements: worded again for each, a
# waiting request cost a read of every host per decision. benchmarks/placement.py at 1,000 hosts,
# half its requests waiting: queued-to-placed p99 150-185 ms kept for 1 second, 101-124 ms for 3.)
EXPLAINED_SECONDS = 3.0
EXPLAINED_MAX = 512
HOSTS_SHAPE_SQL = f"""
SELECT concat_ws(':', (SELECT last_value FROM skylift_hosts_shape), count(*) FILTER (WHERE h.lease_expires_at < now())) AS shape
  FROM {H} h
"""
_explained: OrderedDict[tuple, tuple[float, str, tuple[int, str, int] | None]] = OrderedDict()


def _waits(need: Need) -> Generator[Stmt, Rows, str]:
    """Why the container cannot be placed now, in words, its request (`need.function_id`: a
    function's or a sandbox's) reserving the host nearest to holding it when it wants GPUs. Worked
    out again only when this process has not for the request within EXPLAINED_SECONDS, or the
    hosts changed shape (see above)."""
    shape = (yield Stmt(HOSTS_SHAPE_SQL, {}))[0]["shape"]
    key = (need, shape)
    known = _explained.get(key)
    if known is not None and known[0] > time.monotonic():
        _, reason, reserve = known
    else:
        hosts = yield from alive_hosts().steps
        unavailable = (yield Stmt(UNAVAILABLE_SQL, {}))[0]["n"]
        reason = explain(need, hosts, unavailable=unavailable)
        target = _reserve(need, hosts) if need.gpu else None
        reserve = None if target is None else (target[0].id, target[1], target[2])
        _explained[key] = (time.monotonic() + EXPLAINED_SECONDS, reason, reserve)
        _explained.move_to_end(key)
        while len(_explained) > EXPLAINED_MAX:
            _explained.popitem(last=False)
    if reserve is not None:
        host_id, model, count = reserve
        yield Stmt(
            RESERVE_SQL,
            {
                "host": host_id,
                "function": need.function_id,
                "model": model,
                "count": count,
                "seconds": RESERVATION_SECONDS,
            },
        )
    return reason


@transition()
def alive_hosts() -> Generator[Stmt, Rows, list[HostState]]:
    """The live hosts that take containers, with what their containers hold now, their devices as
    counts (HostState.from_counts)."""
    return [HostState.from_counts(r) for r in (yield Stmt(ALIVE_HOSTS_SQL, {}))]


def candidates(need: Need) -> Generator[Stmt, Rows, list[Candidate]]:
    """The best few live hosts that can take the container now (CPU_ or GPU_CANDIDATES_SQL), ranked."""
    params: dict = {"cpu": need.cpu, "memory": need.memory, "limit": CANDIDATE_ROWS}
    if not need.gpu:
        rows = yield Stmt(CPU_CANDIDATES_SQL, params, prepared=True)
    else:
        flat = [
            (spec_rank, model_rank, model, want.count)
            for spec_rank, want in enumerate(need.wants)
            for model_rank, model in enumerate(want.models + (("*",) if want.any else ()))
        ]
        params.update(
            function=need.function_id,
            named=list(gpus.ANY_ORDER),
            spec_ranks=[f[0] for f in flat],
            model_ranks=[f[1] for f in flat],
            models=[f[2] for f in flat],
            counts=[f[3] for f in flat],
        )
        rows = yield Stmt(GPU_CANDIDATES_SQL, params, prepared=True)
    return rank(need, [HostState.from_row(r) for r in rows])


@dataclass(frozen=True)
class Placed:
    """A placement decision: the task and its host, or why none could take it."""

    task_id: str | None
    host_id: int | None = None
    queue: str = ""
    devices: tuple[int, ...] = ()
    model: str = ""
    reason: str = ""
    # A cluster's: every member's task and its host's queue, by rank (the first is `task_id`'s).
    members: tuple[tuple[str, str], ...] = ()
    # Why it waits is for ever: no live host could hold it even empty (a cluster's, on one host).
    never: bool = False


def _reserve(need: Need, hosts: Sequence[HostState]) -> tuple[HostState, str, int] | None:
    """The host nearest to holding the waiting GPU request once its containers end: one with
    enough healthy devices of a model of the first spec that any host could hold, most of them
    free now. None when no live host could ever hold it."""
    for want in need.wants:
        best = None
        for host in hosts:
            if host.cpu < need.cpu or host.memory < need.memory:
                continue
            for model in want.models:
                if host.models.get(model, 0) >= want.count:
                    key = (host.free_of(model), -host.held_total)
                    if best is None or key > best[0]:
                        best = (key, host, model, want.count)
                    break
        if best is not None:
            return best[1], best[2], best[3]
    return None


def _take(
    need: Need, ranked: Sequence[Candidate], *, wait: bool = True
) -> Generator[Stmt, Rows, Candidate | None]:
    """The best of the ranked hosts that this decision could lock and that can still take the
    container under its lock, as read again there (with the devices it gets); None if none.
    Each candidate's lock is tried without waiting (a host another decision has is skipped for
    the next); only when every one was busy, so that this transaction holds no host's lock, does
    it wait for the best one's. A transaction that waits never holds a host's lock: decisions
    cannot deadlock. The locks of hosts it could not use are given back when it finds none
    (TAKE_SAVEPOINT_SQL): a decision that goes on to word why it waits (which reads every host)
    keeps no other decision from those hosts meanwhile."""
    tried = ranked[:MAX_CANDIDATES]
    if not tried:
        return None
    yield Stmt(TAKE_SAVEPOINT_SQL, {})
    busy: list[Candidate] = []
    for candidate in tried:
        fresh = yield Stmt(TRY_LOCK_HOST_SQL, {"host": candidate.host.id}, prepared=True)
        if not fresh:
            busy.append(candidate)
        elif (found := _fits_now(need, fresh)) is not None:
            return found
    if wait and len(busy) == len(tried):
        if (yield Stmt(WAIT_LOCK_HOST_SQL, {"host": busy[0].host.id}, prepared=True)):
            # What it waited for may have changed the host itself (a heartbeat, a drain): read anew.
            found = yield from _recheck(need, busy[0])
            if found is not None:
                return found
    if len(busy) < len(tried) or wait:  # it holds a lock: of a host it could not use, or waited for
        yield Stmt(UNTAKE_SQL, {})
    return None


def _fits_now(need: Need, fresh: Rows) -> Candidate | None:
    """The host as read under its lock (LOCK_HOST_SQL's or ONE_HOST_SQL's row), if it is still
    live and can take the container, with the devices it would get."""
    live = bool(fresh) and fresh[0].get("live", True)
    again = rank(need, [HostState.from_row(fresh[0])]) if live else []
    return again[0] if again else None


def _recheck(need: Need, candidate: Candidate) -> Generator[Stmt, Rows, Candidate | None]:
    """A host whose lock this decision holds, as its containers leave it now, if it can still take
    the container."""
    return _fits_now(need, (yield Stmt(ONE_HOST_SQL, {"host": candidate.host.id})))


def _gpu_room(fn: dict, need: Need, times: int = 1) -> Generator[Stmt, Rows, tuple[Need, str]]:
    """The need as the workspace's GPU limit leaves it (its specs that fit in what the workspace
    does not hold yet, `times` containers of them), and a note when none fits. Takes the
    workspace's quota lock first: one decision per workspace at a time for its GPU quota."""
    if not need.gpu or fn["gpu_limit"] is None:
        return need, ""
    yield Stmt(LOCK_SQL, {"key": f"gpu-quota:{fn['workspace_id']}"})
    rows = yield Stmt(WORKSPACE_GPUS_SQL, {"workspace": fn["workspace_id"]})
    room = fn["gpu_limit"] - int(rows[0]["held"])
    allowed = tuple(w for w in need.wants if w.count * times <= room)
    if allowed:
        return Need(need.function_id, need.cpu, need.memory, allowed), ""
    return need, (
        f"the workspace's GPU limit is reached ({int(rows[0]['held'])} of {fn['gpu_limit']} "
        f"devices held; this needs {min(w.count for w in need.wants) * times})"
    )


def _placed(fn: dict) -> Generator[Stmt, Rows, None]:
    """A container of the function was placed: its reservations end, then its waiting reason
    (in that order, see UNRESERVE_SQL), each when FUNCTION_SQL found one."""
    if fn["reserving"]:
        yield Stmt(UNRESERVE_SQL, {"function": fn["id"]})
    if fn["waiting"]:
        yield Stmt(PLACED_SQL, {"function": fn["id"]})


@transition(atomic=True)
def place_container(*, task_id: str, function_id: str) -> Generator[Stmt, Rows, Placed]:
    """Place a container of the function: a task row on the best host that can take it, with its
    GPU devices; or, when none can now, the reason recorded on the function (and a reservation
    for a GPU request, see the module). Runs inside the caller's transaction, whose end releases
    the host's lock."""
    rows = yield Stmt(FUNCTION_SQL, {"function": function_id}, prepared=True)
    fn = rows[0]
    need = Need(function_id, fn["cpu"], fn["memory"], tuple(gpus.parse_request(fn["gpu"] or None)))
    # The workspace's quota lock is taken before any host's lock.
    need, limit_note = yield from _gpu_room(fn, need)
    if limit_note:
        reason = f"Waiting for GPUs: {limit_note}"
        yield Stmt(WAITING_SQL, {"function": function_id, "reason": reason})
        return Placed(None, reason=reason)
    candidate = yield from _take(need, (yield from candidates(need)))
    if candidate is not None:
        found = candidate.fit
        yield from task_create(
            task_id=task_id,
            workspace_id=fn["workspace_id"],
            function_id=function_id,
            host_id=candidate.host.id,
            gpu_devices=found.devices if found else (),
            gpu_type=found.model if found else "",
        ).steps
        yield from _placed(fn)
        return Placed(
            task_id,
            candidate.host.id,
            f"host.{candidate.host.name}",
            found.devices if found else (),
            found.model if found else "",
        )
    reason = yield from _waits(need)
    yield Stmt(WAITING_SQL, {"function": function_id, "reason": reason})
    return Placed(None, reason=reason)


def _times(need: Need, n: int) -> Need:
    """What n containers of the need ask of one host together."""
    wants = tuple(replace(w, count=w.count * n) for w in need.wants)
    return Need(need.function_id, need.cpu * n, need.memory * n, wants)


def _could_ever(need: Need, host: HostState) -> bool:
    """Whether the host, empty, could hold the need."""
    return bool(rank(need, [host.emptied()]))


SAVEPOINT_SQL = "SAVEPOINT place_cluster"
ROLLBACK_SQL = "ROLLBACK TO SAVEPOINT place_cluster"


@transition(atomic=True)
def place_cluster(
    *, cluster_id: str, task_ids: Sequence[str], function_id: str, spread: bool = False
) -> Generator[Stmt, Rows, Placed]:
    """Place the members of a cluster of the function in one decision, all or none: a task row for
    each (rank 0 first), or, when they cannot all be placed now, none and the reason recorded on
    the function.

    On one host (a cluster's network is a bridge of that host): the host is chosen for what the
    members need together and locked, then each member gets its devices there. With `spread`
    (an overlay network reaches every host, docs/clusters.md) each member goes where a single
    container would; the locks are only tried, never waited for (this transaction holds some:
    waiting could deadlock), and a member that finds no host undoes the others."""
    rows = yield Stmt(FUNCTION_SQL, {"function": function_id}, prepared=True)
    fn = rows[0]
    size = len(task_ids)
    one = Need(function_id, fn["cpu"], fn["memory"], tuple(gpus.parse_request(fn["gpu"] or None)))
    one, limit_note = yield from _gpu_room(fn, one, size)
    if limit_note:
        reason = f"Waiting for GPUs: {limit_note}"
        yield Stmt(WAITING_SQL, {"function": function_id, "reason": reason})
        return Placed(None, reason=reason)
    group = one if spread else _times(one, size)
    members: list[tuple[str, str]] = []
    leader: Candidate | None = None
    if spread:
        yield Stmt(SAVEPOINT_SQL, {})
        for task_id in task_ids:
            candidate = yield from _take(one, (yield from candidates(one)), wait=False)
            if candidate is None:
                yield Stmt(ROLLBACK_SQL, {})
                members = []
                break
            leader = leader or candidate
            yield from _create_member(fn, candidate, task_id, cluster_id, len(members))
            members.append((task_id, f"host.{candidate.host.name}"))
    else:
        chosen = yield from _take(group, (yield from candidates(group)))
        if chosen is not None:
            for task_id in task_ids:
                candidate = yield from _recheck(one, chosen)
                # The host held them all under its lock, read again: each one still fits.
                assert candidate is not None, "a host chosen for the whole cluster takes each member"
                leader = leader or candidate
                yield from _create_member(fn, candidate, task_id, cluster_id, len(members))
                members.append((task_id, f"host.{candidate.host.name}"))
    if members and leader is not None:
        yield from _placed(fn)
        found = leader.fit
        return Placed(
            members[0][0],
            leader.host.id,
            members[0][1],
            found.devices if found else (),
            found.model if found else "",
            members=tuple(members),
        )
    hosts = yield from alive_hosts().steps
    unavailable = (yield Stmt(UNAVAILABLE_SQL, {}))[0]["n"]
    wanted = " or ".join(f"{w.count} {w.spec.partition(':')[0]}" for w in group.wants) or "no GPU"
    together = f"{group.cpu:g} CPU, {group.memory} MiB and {wanted} together"
    never = not spread and not any(_could_ever(group, h) for h in hosts)
    if never:
        head = f"No live host could ever hold a cluster of {size} on one host ({together})"
    elif spread:
        head = f"Waiting for hosts for a cluster of {size}, each with {together}"
    else:
        head = f"Waiting for a host with room for a cluster of {size} ({together})"
    reason = explain(group, hosts, unavailable=unavailable, head=head)
    yield Stmt(WAITING_SQL, {"function": function_id, "reason": reason})
    return Placed(None, reason=reason, never=never and bool(hosts))


def _create_member(
    fn: dict, candidate: Candidate, task_id: str, cluster_id: str, rank_: int
) -> Generator[Stmt, Rows, None]:
    found = candidate.fit
    yield from task_create(
        task_id=task_id,
        workspace_id=fn["workspace_id"],
        function_id=fn["id"],
        host_id=candidate.host.id,
        gpu_devices=found.devices if found else (),
        gpu_type=found.model if found else "",
        cluster_id=cluster_id,
        cluster_rank=rank_,
    ).steps


# The indices of a host's healthy devices as the database has them (what placement gives out; as
# skylift_gpu_models counts them), for the statements that end what holds another device.
HEALTHY_INDICES = f"""(SELECT coalesce(array_agg((d->>'index')::smallint), '{{}}')
  FROM {H} hh, jsonb_array_elements(CASE WHEN jsonb_typeof(hh.gpus) = 'array' THEN hh.gpus ELSE '[]' END) d
 WHERE hh.id = %(host)s AND jsonb_typeof(d) = 'object' AND coalesce((d->>'healthy')::boolean, true))"""


def lost_devices_sql(table: str) -> str:
    """The live containers of the host (a table of tasks or of sandboxes, which share their
    statuses) holding a device it does not have healthy (every device one holds was the host's,
    healthy, when it was given) end: a pending one at once (its start finds it not pending and
    starts nothing), another set stopping (its container is to be killed). Returned, with their
    container ids, with those set stopping so before, whose containers may still run (a heartbeat
    that failed before it killed them): each beat kills them again until they have ended."""
    pending, stopping = TaskStatus.PENDING.value, TaskStatus.STOPPING.value
    return f"""
WITH lost AS (
    UPDATE {table} t SET status = CASE WHEN t.status = '{pending}' THEN '{TaskStatus.STOPPED.value}' ELSE '{stopping}' END,
                         stopped_at = CASE WHEN t.status = '{pending}' THEN now() ELSE t.stopped_at END,
                         cause = 'gpu_lost'
     WHERE t.host_id = %(host)s AND t.status IN {LIVE} AND NOT t.gpu_devices <@ {HEALTHY_INDICES}
    RETURNING t.id, t.status, t.container_id
)
SELECT id, container_id FROM lost WHERE status = '{stopping}'
 UNION ALL
SELECT id, container_id FROM {table} WHERE host_id = %(host)s AND status = '{stopping}' AND cause = 'gpu_lost'
"""


LOST_DEVICES_SQL = lost_devices_sql(K)


@transition()
def tasks_on_lost_devices(*, host_id: int) -> Generator[Stmt, Rows, list[tuple[str, str]]]:
    """The host's live containers holding a device it does not have healthy (as the database has
    its devices) are to stop, and what they ran runs again as preempted (cause `gpu_lost`). Returns
    the tasks (and their container ids, empty before the container was recorded) whose containers
    are to be killed: those, and those stopped so before that have not ended yet."""
    rows = yield Stmt(LOST_DEVICES_SQL, {"host": host_id})
    return [(r["id"], r["container_id"] or "") for r in rows]


SANDBOX_SQL = f"""
SELECT s.id, s.workspace_id, s.cpu, s.memory, s.gpu, w.gpu_limit FROM {S} s JOIN {W} w ON w.id = s.workspace_id
 WHERE s.id = %(sandbox)s
"""
PLACE_SANDBOX_SQL = f"""
UPDATE {S} SET host_id = %(host)s, message = '', gpu_devices = %(devices)s, gpu_type = %(model)s
 WHERE id = %(sandbox)s AND host_id IS NULL AND status = 'pending'
"""
SANDBOX_WAITING_SQL = f"UPDATE {S} SET message = %(reason)s WHERE id = %(sandbox)s AND host_id IS NULL"


@transition(atomic=True)
def place_sandbox(*, sandbox_id: str, wait: bool = True) -> Generator[Stmt, Rows, Placed]:
    """Place a sandbox's container on the best host that can take it, with its GPU devices (the
    same policy, host locks, reservations and workspace GPU limit as a function's container: a
    sandbox's devices count against that limit beside its containers'); or record on it why
    none can now. Without `wait`, a busy host is not waited for (a caller that holds host locks
    already, placing several in one transaction)."""
    rows = yield Stmt(SANDBOX_SQL, {"sandbox": sandbox_id})
    sb = rows[0]
    need = Need(sandbox_id, sb["cpu"], sb["memory"], tuple(gpus.parse_request(sb["gpu"] or None)))
    if need.gpu and sb["gpu_limit"] is not None:
        yield Stmt(LOCK_SQL, {"key": f"gpu-quota:{sb['workspace_id']}"})
        rows = yield Stmt(WORKSPACE_GPUS_SQL, {"workspace": sb["workspace_id"]})
        room = sb["gpu_limit"] - int(rows[0]["held"])
        allowed = tuple(w for w in need.wants if w.count <= room)
        if not allowed:
            reason = (
                f"Waiting for GPUs: the workspace's GPU limit is reached ({int(rows[0]['held'])} of "
                f"{sb['gpu_limit']} devices held; this needs {min(w.count for w in need.wants)})"
            )
            yield Stmt(SANDBOX_WAITING_SQL, {"sandbox": sandbox_id, "reason": reason})
            return Placed(None, reason=reason)
        need = Need(need.function_id, need.cpu, need.memory, allowed)
    candidate = yield from _take(need, (yield from candidates(need)), wait=wait)
    if candidate is not None:
        found = candidate.fit
        devices, model = (list(found.devices), found.model) if found else ([], "")
        rows = yield Stmt(
            PLACE_SANDBOX_SQL,
            {"host": candidate.host.id, "sandbox": sandbox_id, "devices": devices, "model": model},
        )
        if rows.rowcount != 1:
            return Placed(None, reason="placed already, or terminated")
        if found is not None:
            yield Stmt(UNRESERVE_SQL, {"function": sandbox_id})
        return Placed(sandbox_id, candidate.host.id, f"host.{candidate.host.name}", tuple(devices), model)
    reason = yield from _waits(need)
    yield Stmt(SANDBOX_WAITING_SQL, {"sandbox": sandbox_id, "reason": reason})
    return Placed(None, reason=reason)


# Build steps ----------------------------------------------------------------------------------
# A build step with gpu= takes its devices by the same rule as a container (builds/gpu_steps.py
# asks, waits and releases), on the host its build runs on: the build was sent there
# (builds.services.build_queue) and its layers so far are there.

BUILD_SQL = f"""
SELECT b.workspace_id, w.gpu_limit FROM {Build._meta.db_table} b JOIN {W} w ON w.id = b.workspace_id
 WHERE b.id = %(build)s
"""
HOLD_SQL = f"""
INSERT INTO {B} (build_id, step, workspace_id, host_id, gpu_devices, gpu_type, created_at, cause)
VALUES (%(build)s, %(step)s, %(workspace)s, %(host)s, %(devices)s, %(model)s, now(), '')
RETURNING id
"""


def build_step_holder(build_id: str, step: int) -> str:
    """Who a build step is in reservations (a host's `reserved_for`), as a function's id is."""
    return f"{build_id}/{step}"


@transition(atomic=True)
def place_build_step(*, build_id: str, step: int, host_id: int, gpu: str) -> Generator[Stmt, Rows, Placed]:
    """Give a build step with `gpu=` devices of its build's host (`host_id`): a hold
    (builds.StepDevices, its id as the `task_id`) on the devices the host's free ones meet the
    request with, taken under the host's lock as a container's are. Or, when the host cannot now,
    the reason, and a reservation of its devices (containers then leave enough free for the step);
    with `never` when the host could not hold it even empty, or is lost or draining. The step's
    devices count against the workspace's GPU limit; it takes no CPU or memory of the host."""
    holder = build_step_holder(build_id, step)
    build = (yield Stmt(BUILD_SQL, {"build": build_id}))[0]
    need = Need(holder, 0.0, 0, tuple(gpus.parse_request(gpu)))
    wanted = gpus.describe(need.wants)
    # The workspace's quota lock is taken before the host's lock, as for containers.
    room, limit_note = yield from _gpu_room(build, need)
    rows = yield Stmt(ONE_HOST_SQL, {"host": host_id})
    if not rows:
        return Placed(
            None,
            reason=f"The build's host is draining or lost: no GPU is given there for {wanted}",
            never=True,
        )
    host = HostState.from_row(rows[0])
    if not _could_ever(need, host):
        have = ", ".join(sorted(host.models)) or "none"
        return Placed(
            None,
            reason=f"The build's host {host.name} could never give {wanted} (its GPUs: {have}): {shortfall(need, host.emptied())}",
            never=True,
        )
    if limit_note:
        return Placed(None, reason=f"Waiting for GPUs: {limit_note}")
    candidate = yield from _take(room, rank(room, [host]))
    if candidate is not None and candidate.fit is not None:
        found = candidate.fit
        rows = yield Stmt(
            HOLD_SQL,
            {
                "build": build_id,
                "step": step,
                "workspace": build["workspace_id"],
                "host": host.id,
                "devices": list(found.devices),
                "model": found.model,
            },
        )
        yield Stmt(UNRESERVE_SQL, {"function": holder})
        return Placed(str(rows[0]["id"]), host.id, f"host.{host.name}", found.devices, found.model)
    reason = explain(need, [host], head=f"Waiting for {wanted} on the build's host")
    if (target := _reserve(need, [host])) is not None:
        _, model, count = target
        yield Stmt(
            RESERVE_SQL,
            {
                "host": host.id,
                "function": holder,
                "model": model,
                "count": count,
                "seconds": RESERVATION_SECONDS,
            },
        )
    return Placed(None, reason=reason)
