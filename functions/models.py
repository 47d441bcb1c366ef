"""Functions, their calls and inputs, the containers (tasks) that run them, and their logs.

Payloads (`Input.args`, `Input.result`) are opaque bytes: the client and the container
pickle and unpickle them; the control plane only stores and moves them. An input made by a JSON
call (`Input.codec` "json", functions.json_calls) carries JSON instead, both ways: the container
decodes its arguments and encodes its result as JSON, so the control plane still unpickles nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.ids import IdFactory

__all__ = [
    "AttemptOutcome",
    "CallStatus",
    "Function",
    "FunctionCall",
    "Input",
    "InputAttempt",
    "InputStatus",
    "LogLine",
    "Mount",
    "OutputItem",
    "Sandbox",
    "SandboxLog",
    "SandboxPort",
    "SandboxStatus",
    "Task",
    "TaskStatus",
    "UNFINISHED_INPUT_STATUSES",
    "WebEndpoint",
]


class Mount(models.Model):
    """Content-addressed user source (a tar of a module or package), imported by containers."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="mounts")
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "sha256"], name="one_mount_per_hash")]


class Function(models.Model):
    """A function of an app, with its resources and how containers find its code."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("fu"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="functions")
    app = models.ForeignKey("skylift_apps.App", on_delete=models.CASCADE, related_name="functions")
    # The deployed version that defined it (none for an ephemeral app). When a later version
    # replaces it, it is retired and points at its successor of the same name, so that calls
    # made through an old handle go to the live version; it keeps serving what it accepted.
    version = models.ForeignKey(
        "skylift_apps.AppVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="functions"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=128)
    module = models.CharField(max_length=255, help_text="Module to import in the container")
    qualname = models.CharField(max_length=255)
    mount = models.ForeignKey(Mount, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    serialized = models.BinaryField(
        null=True, blank=True, help_text="cloudpickled function when not importable"
    )
    image = models.ForeignKey("builds.Image", on_delete=models.PROTECT, related_name="functions")
    cpu = models.FloatField(default=0.125)
    memory = models.PositiveIntegerField(default=128, help_text="MiB")
    timeout = models.PositiveIntegerField(default=300, help_text="seconds per attempt")
    gpu = models.CharField(max_length=128, blank=True, default="")
    scaledown_window = models.PositiveIntegerField(default=60)
    block_network = models.BooleanField(default=False)
    # Its containers share the workspace's private network on their host (Modal's i6pn; docs/clusters.md).
    i6pn = models.BooleanField(default=False)
    # Its containers reach no platform object but their own inputs and outputs (Modal's option).
    restrict_modal_access = models.BooleanField(default=False)
    volumes = models.JSONField(
        default=list, blank=True, help_text='Volumes mounted in its containers: [{"path", "volume_id"}]'
    )
    secrets = models.JSONField(
        default=list, blank=True, help_text="ids of the secrets its containers get, later ones winning"
    )
    is_generator = models.BooleanField(default=False)
    client_python = models.CharField(max_length=16, blank=True, default="")
    # Scaling: the autoscaler keeps between min and max containers, plus `buffer` idle ones
    # while the function is busy; each container takes up to `target_inputs` inputs at once.
    min_containers = models.PositiveIntegerField(default=0)
    max_containers = models.PositiveIntegerField(null=True, blank=True)
    buffer_containers = models.PositiveIntegerField(default=0)
    target_inputs = models.PositiveIntegerField(default=1, help_text="Inputs one container takes at once")
    max_inputs = models.PositiveIntegerField(
        null=True, blank=True, help_text="Retire a container after this many"
    )
    # @clustered(size=N): each of its "containers" is a cluster of N tasks, placed together, all or
    # none (docs/clusters.md); 1 for an ordinary function.
    cluster_size = models.PositiveSmallIntegerField(default=1)
    retries = models.JSONField(
        default=dict, blank=True, help_text="max_retries, backoff_coefficient, initial_delay"
    )
    # What only the container runtime interprets: concurrency, batching, class methods and hooks.
    definition = models.JSONField(default=dict, blank=True)
    # A class bound to parameter values, or a function with_options(...), is a variant of its
    # parent with its own pool of containers.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="variants"
    )
    variant_key = models.CharField(max_length=64, blank=True, default="")
    variant_options = models.JSONField(
        default=dict, blank=True, help_text="The options a variant was made with (to make it again)"
    )
    params = models.BinaryField(null=True, blank=True, help_text="cloudpickled class parameters (opaque)")
    # A Period or a Cron (skylift.contract.schedules' JSON form). It fires for the live version
    # of a deployed app only: `next_run_at` is the tick it fires next (set when the version is
    # made live), `last_run_at` and `last_run_call_id` the tick that fired last and its call.
    schedule = models.JSONField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_call_id = models.CharField(max_length=32, blank=True, default="")
    # Why its last container could not be placed ("" once one is): which hosts lack what.
    waiting_reason = models.TextField(blank=True, default="")
    waiting_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "version", "name", "variant_key"],
                name="one_function_per_name_and_variant",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # The scheduler asks every second which ticks are due: only scheduled functions count.
            models.Index(
                fields=["next_run_at"],
                name="function_next_run_idx",
                condition=models.Q(next_run_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class CallStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FunctionCall(models.Model):
    """One `.remote()`, `.spawn()` or `.map()`: a group of inputs whose outputs the caller collects."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("fc"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="calls")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="calls")
    kind = models.CharField(max_length=16, default="remote")
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.PENDING)
    input_count = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        help_text="Client-chosen: a retried create returns the same call",
    )
    closed = models.BooleanField(default=True, help_text="False while a map may still add inputs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The call graph: a call made from inside a container names the input that made it (and that
    # input's call). Cancelling or timing out that input cancels this call (`delivery.cancel_call`).
    parent_input = models.ForeignKey(
        "Input", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_calls"
    )
    parent_call = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_calls"
    )

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["function", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="one_call_per_idempotency_key"
            )
        ]


class InputStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    TERMINATED = "terminated"


TERMINAL_INPUT_STATUSES = [
    InputStatus.SUCCEEDED,
    InputStatus.FAILED,
    InputStatus.TIMED_OUT,
    InputStatus.CANCELLED,
    InputStatus.TERMINATED,
]


# Waiting for a container, or running in one: the statuses the partial indexes below cover.
UNFINISHED_INPUT_STATUSES = [InputStatus.PENDING, InputStatus.RUNNING]


class Input(models.Model):
    """One input of a call: its arguments, and once terminal, its result or error and cause.

    `attempt` is the fencing token: a container's output is accepted only while the input is
    running under the same attempt number it claimed.
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("in"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(FunctionCall, on_delete=models.CASCADE, related_name="inputs")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="inputs")
    idx = models.PositiveIntegerField()
    method = models.CharField(max_length=128, blank=True, default="", help_text="Class method to call")
    args = models.BinaryField()
    args_blob = models.CharField(
        max_length=64, blank=True, default="", help_text="Key of large arguments in blob storage"
    )
    codec = models.CharField(
        max_length=8,
        blank=True,
        default="",
        db_default="",
        help_text='How its arguments and result are encoded: "" cloudpickle, "json" JSON (a JSON call)',
    )
    status = models.CharField(max_length=16, choices=InputStatus.choices, default=InputStatus.PENDING)
    spawned = models.BooleanField(
        default=False, help_text="Made by .spawn(): counts against the spawn limit, not the call limits"
    )
    attempt = models.PositiveIntegerField(default=0)
    crashes = models.PositiveIntegerField(default=0, help_text="Attempts lost to container crashes")
    retries_used = models.PositiveIntegerField(default=0, help_text="User retries spent (Retries policy)")
    preemptions = models.PositiveIntegerField(
        default=0, help_text="Re-runs caused by the platform, not counted"
    )
    task = models.ForeignKey("Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.BinaryField(null=True, blank=True)
    result_blob = models.CharField(
        max_length=64, blank=True, default="", help_text="Key of a large result in blob storage"
    )
    result_kind = models.CharField(
        max_length=16, blank=True, default="", help_text="value | exception | error"
    )
    cause = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(default=timezone.now, help_text="Last time its id was pushed to Redis")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_seq = models.BigIntegerField(
        null=True, blank=True, help_text="Order in which outputs became ready"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "idx"], name="one_input_per_index")]
        indexes = [
            models.Index(fields=["function", "status"]),
            # The autoscaler and the reconciler look at unfinished inputs every second: a small
            # partial index keeps that cheap however many finished inputs the table holds.
            models.Index(
                fields=["status", "function"],
                name="input_unfinished_idx",
                condition=models.Q(status__in=UNFINISHED_INPUT_STATUSES),
            ),
            # The limits count a function's unfinished inputs on every submission.
            models.Index(
                fields=["function", "spawned", "status"],
                name="input_unfinished_limit_idx",
                condition=models.Q(status__in=UNFINISHED_INPUT_STATUSES),
            ),
            # "Has this call anything left?", asked after every batch of outputs.
            models.Index(
                fields=["call"],
                name="input_unfinished_call_idx",
                condition=models.Q(status__in=UNFINISHED_INPUT_STATUSES),
            ),
            # Outputs are read in the order they became ready.
            models.Index(fields=["call", "finished_seq"], name="input_call_ready_idx"),
            # Retention takes the oldest finished inputs not yet expired (functions.retention).
            models.Index(
                fields=["finished_at"],
                name="input_unexpired_idx",
                condition=models.Q(finished_at__isnull=False) & ~models.Q(result_kind="expired"),
            ),
            # ... and keeps a blob while any row refers to it: only large payloads are indexed.
            models.Index(fields=["args_blob"], name="input_args_blob_idx", condition=~models.Q(args_blob="")),
            models.Index(
                fields=["result_blob"], name="input_result_blob_idx", condition=~models.Q(result_blob="")
            ),
        ]


class AttemptOutcome(models.TextChoices):
    """How an attempt of an input ended when another attempt followed it."""

    FAILED = "failed"  # the function raised, and the Retries policy ran it again
    TIMED_OUT = "timed_out"  # it ran past its timeout, and the Retries policy ran it again
    CRASHED = "crashed"  # its container died under it (a crash, OOM), and it ran again
    PREEMPTED = "preempted"  # the platform took its container away (a stop, a lost host), and it ran again


class InputAttempt(models.Model):
    """An attempt of an input that ended without its final output, and why (the call page's history).

    Written only where an attempt ends other than by its final output, in the same statement
    as that transition (functions.delivery): a retry, a crash, a preemption. The last attempt
    of an input is the input row itself (its status, cause, message, result), so a call that
    succeeds on its first attempt writes nothing here.
    """

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="ended_attempts", db_index=False)
    attempt = models.PositiveIntegerField()
    task_id = models.CharField(max_length=32, blank=True, default="", help_text="The container it ran in")
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    cause = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="", help_text="The remote traceback of an exception")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["input", "attempt"], name="inputattempt_input_idx")]


class TaskStatus(models.TextChoices):
    PENDING = "pending"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


LIVE_TASK_STATUSES = [TaskStatus.PENDING, TaskStatus.STARTING, TaskStatus.RUNNING]


class Task(models.Model):
    """A container running one function, on one host."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ta"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="tasks")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="tasks")
    host = models.ForeignKey("hosts.Host", null=True, on_delete=models.SET_NULL, related_name="tasks")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    container_id = models.CharField(max_length=80, blank=True, default="")
    token_hash = models.CharField(max_length=64, blank=True, default="")
    exit_code = models.IntegerField(null=True, blank=True)
    cause = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="", help_text="Why it failed, for the user")
    inputs_served = models.PositiveIntegerField(default=0)
    # The GPU devices (indices on its host) placement gave it, and their model; held while the
    # task is live or stopping, free again once it has settled (functions/delivery/placement.py).
    gpu_devices = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    gpu_type = models.CharField(max_length=32, blank=True, default="")
    # A member of a cluster (functions/delivery/clusters.py): its cluster's id and its rank in it
    # (0, the leader, claims the inputs; the others run each of them too). "" and 0 otherwise.
    cluster_id = models.CharField(max_length=32, blank=True, default="")
    cluster_rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["cluster_id"], condition=~Q(cluster_id=""), name="task_by_cluster"),
            models.Index(fields=["function", "status"]),
            models.Index(fields=["workspace", "-created_at"]),
            # A host's containers that hold its resources (placement, hosts.HostUsage).
            models.Index(
                fields=["host"],
                condition=Q(status__in=["pending", "starting", "running", "stopping"]),
                name="task_holding_by_host",
            ),
        ]

    @property
    def app(self):
        """Its function's app: whose creator may stop it (accounts.permissions.creator_of)."""
        return self.function.app


class LogLine(models.Model):
    """A line a container printed, tied to its app, function, task and (when known) call."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    app = models.ForeignKey("skylift_apps.App", on_delete=models.CASCADE, related_name="logs")
    function = models.ForeignKey(Function, null=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    call = models.ForeignKey(
        FunctionCall, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    stream = models.CharField(max_length=8, default="stdout")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The dashboard's and the CLI's filters (functions.logs), and retention by age.
        indexes = [
            models.Index(fields=["app", "id"]),
            models.Index(fields=["workspace", "id"], name="logline_workspace_idx"),
            models.Index(fields=["task", "id"], name="logline_task_idx"),
            models.Index(fields=["call", "id"], name="logline_call_idx"),
            models.Index(fields=["created_at"], name="logline_created_idx"),
        ]


class OutputItem(models.Model):
    """One value yielded by a generator function (`.remote_gen()`), in the order it was produced."""

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="items")
    n = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["input", "n"], name="one_item_per_position")]


class WebEndpoint(models.Model):
    """A function, or a method of a class, served over HTTP by the gateway (`web/`), with its URL names.

    One row per endpoint of each function row (a redeploy makes new ones, under the same names):
    the gateway serves the one of the app's live version. `host_label` is the first label of its
    host name (`{workspace}--{app}-{function}`, `-dev` while the app is ephemeral), `path` the
    part after `/web/` of its path form (`{workspace}/{app}/{function}`); both are lower-case.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey("skylift_apps.App", on_delete=models.CASCADE, related_name="web_endpoints")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="web_endpoints")
    method = models.CharField(max_length=128, blank=True, default="", help_text="a class's web method")
    kind = models.CharField(max_length=16, help_text="fastapi, asgi, wsgi or server")
    host_label = models.CharField(max_length=63, db_index=True)
    path = models.CharField(max_length=400, db_index=True)
    requires_proxy_auth = models.BooleanField(default=False)
    custom_domains = ArrayField(
        models.CharField(max_length=253),
        default=list,
        blank=True,
        help_text="full host names the endpoint also answers (a deployed app's claim; lower-case)",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["function", "method"], name="one_web_endpoint_per_method")
        ]
        indexes = [GinIndex(fields=["custom_domains"], name="web_endpoint_domains_idx")]

    def __str__(self) -> str:
        return f"{self.host_label} -> {self.function_id}{'.' + self.method if self.method else ''}"


# A sandbox's container goes through the states of a task's.
SandboxStatus = TaskStatus


LIVE_SANDBOX_STATUSES = [SandboxStatus.PENDING, SandboxStatus.STARTING, SandboxStatus.RUNNING]


class Sandbox(models.Model):
    """A container a program creates at run time, runs commands in, and throws away (Modal's Sandbox).

    It is its own container record (host, container, status), as a Task is for a function's
    container; its transitions live in functions/delivery/sandboxes.py, and placement counts what
    it holds on its host beside the tasks (functions/delivery/placement.py).
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("sb"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="sandboxes")
    app = models.ForeignKey(
        "skylift_apps.App", null=True, blank=True, on_delete=models.SET_NULL, related_name="sandboxes"
    )
    image = models.ForeignKey("builds.Image", on_delete=models.PROTECT, related_name="sandboxes")
    name = models.CharField(max_length=128, blank=True, default="")
    command = models.JSONField(default=list, blank=True, help_text="argv; empty: the container idles")
    workdir = models.CharField(max_length=1024, blank=True, default="")
    cpu = models.FloatField(default=0.125)
    memory = models.PositiveIntegerField(default=128, help_text="MiB")
    timeout = models.PositiveIntegerField(default=300, help_text="seconds it may live")
    idle_timeout = models.PositiveIntegerField(null=True, blank=True, help_text="seconds without an exec")
    # Hard limits above the reservations `cpu` and `memory` (None: memory's is the reservation;
    # CPU may burst up to the host's cores, as a function's container does).
    cpu_limit = models.FloatField(null=True, blank=True)
    memory_limit = models.PositiveIntegerField(null=True, blank=True, help_text="MiB")
    gpu = models.CharField(max_length=128, blank=True, default="", help_text="a GPU request, as a function's")
    gpu_devices = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    gpu_type = models.CharField(max_length=32, blank=True, default="")
    block_network = models.BooleanField(default=False)
    cidr_allowlist = models.JSONField(
        null=True, blank=True, help_text="the only IPv4 ranges it may reach (None: any)"
    )
    volumes = models.JSONField(
        default=list, blank=True, help_text='[{"path", "volume_id"}], as a function\'s'
    )
    secrets = models.JSONField(default=list, blank=True, help_text="secret ids whose values it gets")
    # The environment its secrets give, one Fernet token (vault.keys): decrypted by its host agent
    # only, and handed to its processes through their stdin (hosts/sandbox_env.py).
    secrets_token = models.BinaryField(null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    host = models.ForeignKey("hosts.Host", null=True, on_delete=models.SET_NULL, related_name="sandboxes")
    status = models.CharField(max_length=16, choices=SandboxStatus.choices, default=SandboxStatus.PENDING)
    container_id = models.CharField(max_length=80, blank=True, default="")
    exit_code = models.IntegerField(null=True, blank=True)
    cause = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    active_at = models.DateTimeField(default=timezone.now, help_text="last exec began or ended")
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Started ahead of time for its workspace and image (functions/sandbox_pool.py): `pool` while
    # nobody has claimed it (no API shows it, nothing meters it); `pooled_at` when it was made,
    # kept once claimed (its `created_at` and `started_at` are then the claim's).
    pool = models.BooleanField(default=False)
    pooled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["status"]),
            models.Index(
                fields=["host"],
                condition=Q(status__in=["pending", "starting", "running", "stopping"]),
                name="sandbox_holding_by_host",
            ),
            models.Index(fields=["workspace", "image"], condition=Q(pool=True), name="sandbox_pool_by_image"),
        ]


class SandboxPort(models.Model):
    """A port of a sandbox exposed through the web gateway (`encrypted_ports=`/`unencrypted_ports=`):
    its URL is named by `label`, random and unguessable (functions/sandbox_ports.py)."""

    label = models.CharField(primary_key=True, max_length=32)
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="ports")
    port = models.PositiveIntegerField()
    encrypted = models.BooleanField(default=True)
    tcp_port = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="an unencrypted port's raw TCP tunnel: this port on the gateway's host (web/sandbox_tcp.py)",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "port"], name="one_tunnel_per_sandbox_port")
        ]


class SandboxLog(models.Model):
    """What a sandbox's own command printed, kept when its container ends (functions/sandbox_logs.py;
    while it runs, its logs are read from its container): [[at, stream, text], ...], the last
    lines up to a cap."""

    sandbox = models.OneToOneField(Sandbox, primary_key=True, on_delete=models.CASCADE, related_name="log")
    lines = models.JSONField(default=list)
    truncated = models.BooleanField(default=False, help_text="earlier lines were dropped for the cap")
