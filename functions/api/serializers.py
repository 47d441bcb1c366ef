from __future__ import annotations

import base64
import binascii

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from builds.api.serializers import ImageSpecSerializer  # images have one shape, owned by builds
from skylift.contract import InvalidError, resources, schedules

from .. import web_endpoints
from ..models import CallStatus, Function, FunctionCall, Task


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.Field):
    """Bytes carried as standard base64 in JSON."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Not valid base64.") from None

    def to_representation(self, value):
        return base64.b64encode(bytes(value)).decode() if value is not None else None

    default_error_messages = {"invalid": "Expected a base64 string."}


class MountCreateSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$")
    content = Base64Field(write_only=True)


class MountSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField()


class FunctionCreateSerializer(serializers.Serializer):
    app_id = serializers.CharField(max_length=32)
    name = serializers.RegexField(r"^[A-Za-z_][A-Za-z0-9_.]{0,127}$")
    module = serializers.CharField(max_length=255, allow_blank=True, default="")
    qualname = serializers.CharField(max_length=255)
    mount_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_null=True)
    serialized = Base64Field(required=False, allow_null=True)
    image = ImageSpecSerializer(required=False)
    cpu = serializers.JSONField(required=False, help_text="Cores: a number or [request, limit]")
    memory = serializers.JSONField(required=False, help_text="MiB: a number or [request, limit]")
    timeout = serializers.JSONField(required=False, help_text="Seconds per attempt, 1 to 86400")
    gpu = serializers.JSONField(required=False, allow_null=True, help_text='"T4", "H100:8", "any", or a list')
    scaledown_window = serializers.IntegerField(required=False, min_value=1, max_value=86400)
    block_network = serializers.BooleanField(required=False, default=False)
    i6pn = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Its containers reach each other (and other i6pn containers of the workspace on their "
        "host) on a private network (Modal's i6pn; docs/clusters.md)",
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Define it even if the app's idle cost (min_containers) alone exceeds a cap "
        "(docs/billing.md#ephemeral-apps)",
    )
    restrict_modal_access = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Its containers reach no platform object (Dict, Queue, function, secret, lookup) but "
        "their own inputs and outputs",
    )
    volumes = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        max_length=32,
        help_text='Volumes to mount: [{"path": "/data", "volume_id": "vo-..."}]',
    )
    secrets = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        default=list,
        max_length=32,
        help_text='Secrets its containers get, later ones winning: {"id": "st-..."} for a named secret '
        '(or {"name", "environment", "required_keys"} to look one up), {"values": {...}} for an inline one',
    )
    is_generator = serializers.BooleanField(required=False, default=False)
    client_python = serializers.CharField(required=False, allow_blank=True, max_length=16)
    min_containers = serializers.IntegerField(required=False, default=0, min_value=0, max_value=1000)
    max_containers = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=1000
    )
    buffer_containers = serializers.IntegerField(required=False, default=0, min_value=0, max_value=1000)
    max_inputs = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Retire a container after this many inputs",
    )
    retries = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="A count, or {max_retries, backoff_coefficient, initial_delay, max_delay}",
    )
    definition = serializers.DictField(
        required=False,
        help_text="What the container runtime interprets: concurrency, batching, class methods",
    )
    schedule = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='Runs it by itself once deployed: {"period": {"days": 1, ...}} or '
        '{"cron": "0 8 * * 1", "timezone": "UTC"}',
    )

    # The SDK's own validators decide what is valid, so the API and the SDK agree (B8, B10). They
    # run here as well as in the service so that a value they cannot even compare (NaN, 1e400, a
    # 400-digit integer) is refused as the field's error instead of escaping as a 500.
    _RANGES = {
        "cpu": f"more than 0 and at most {resources.MAX_CPU:g} cores",
        "memory": f"from {resources.MIN_MEMORY} to {resources.MAX_MEMORY} MiB",
        "timeout": f"from {resources.MIN_TIMEOUT} to {resources.MAX_TIMEOUT} seconds",
    }

    def _check(self, field: str, validator, value):
        try:
            validator(value)
        except InvalidError as exc:
            raise serializers.ValidationError(str(exc)) from None
        except (ValueError, OverflowError):
            raise serializers.ValidationError(
                f"{field} must be a finite number {self._RANGES[field]}; got a value out of range."
            ) from None
        return value

    def validate_cpu(self, value):
        return self._check("cpu", resources.validate_cpu, value)

    def validate_memory(self, value):
        return self._check("memory", resources.validate_memory, value)

    def validate_timeout(self, value):
        return self._check("timeout", resources.validate_timeout, value)

    def validate_schedule(self, value):
        try:
            return schedules.validate_schedule(value)
        except InvalidError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_gpu(self, value):
        # None means no GPU; "" and [] are not ways to say it (the SDK refuses them too).
        if value is None:
            return None
        try:
            resources.parse_gpu(value)
        except InvalidError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class FunctionSerializer(serializers.ModelSerializer):
    image_id = serializers.CharField(read_only=True)
    parent_id = serializers.CharField(read_only=True, allow_null=True)
    version_id = serializers.CharField(read_only=True, allow_null=True)
    mount_sha256 = serializers.SerializerMethodField()
    web_urls = serializers.SerializerMethodField(
        help_text='The URL of each part served over HTTP: "" for a function, a method\'s name for a class'
    )
    web_custom_urls = serializers.SerializerMethodField(
        help_text="The URLs of the custom domains of each part that has some (custom_domains=)"
    )

    class Meta:
        model = Function
        fields = [
            "id",
            "app_id",
            "version_id",
            "retired_at",
            "name",
            "module",
            "qualname",
            "image_id",
            "mount_sha256",
            "cpu",
            "memory",
            "timeout",
            "gpu",
            "scaledown_window",
            "block_network",
            "i6pn",
            "restrict_modal_access",
            "volumes",
            "secrets",
            "min_containers",
            "max_containers",
            "buffer_containers",
            "max_inputs",
            "is_generator",
            "definition",
            "parent_id",
            "schedule",
            "next_run_at",
            "last_run_at",
            "last_run_call_id",
            "waiting_reason",
            "waiting_since",
            "web_urls",
            "web_custom_urls",
            "created_at",
        ]
        read_only_fields = fields

    def get_mount_sha256(self, obj) -> str | None:
        return obj.mount.sha256 if obj.mount_id else None

    def get_web_urls(self, obj) -> dict[str, str]:
        return web_endpoints.urls_of(obj)

    def get_web_custom_urls(self, obj) -> dict[str, list[str]]:
        return web_endpoints.custom_urls_of(obj)


class CallCreateSerializer(serializers.Serializer):
    function_id = serializers.CharField(
        max_length=32,
        required=False,
        help_text="The function to call; or name it by app_name and function_name",
    )
    app_name = serializers.CharField(
        max_length=128,
        required=False,
        help_text="A deployed app's name (with function_name, instead of function_id)",
    )
    function_name = serializers.CharField(
        max_length=128, required=False, help_text="The function's name in that app's live version"
    )
    environment = serializers.CharField(
        max_length=128, required=False, help_text="The app's environment (default: main)"
    )
    kind = serializers.ChoiceField(choices=["remote", "map", "spawn"], default="remote")
    method = serializers.CharField(
        max_length=128, required=False, default="", allow_blank=True, help_text="Method of a class to call"
    )
    inputs = serializers.ListField(
        child=Base64Field(),
        min_length=0,
        max_length=5000,
        help_text="cloudpickled (args, kwargs) per input, base64",
    )
    wait = serializers.FloatField(
        required=False,
        default=0,
        min_value=0,
        max_value=50,
        help_text="Seconds to wait for outputs before answering",
    )
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        help_text="A retried request with the same key returns the first one's call",
    )
    closed = serializers.BooleanField(
        default=True, help_text="False to add more inputs later with POST /calls/{id}/inputs/"
    )

    def validate(self, attrs):
        named = [f for f in ("app_name", "function_name", "environment") if f in attrs]
        if "function_id" in attrs and named:
            raise serializers.ValidationError(
                {named[0]: "Name the function by function_id, or by app_name and function_name: not both."}
            )
        if "function_id" not in attrs:
            missing = (
                [f for f in ("app_name", "function_name") if f not in attrs] if named else ["function_id"]
            )
            if missing:
                raise serializers.ValidationError({missing[0]: "This field is required."})
        return attrs


class FunctionVariantSerializer(serializers.Serializer):
    params = Base64Field(required=False, allow_null=True, help_text="cloudpickled class parameters (opaque)")
    options = serializers.DictField(required=False, default=dict, help_text="Option overrides (with_options)")


class AutoscalerSerializer(serializers.Serializer):
    min_containers = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1000)
    max_containers = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    buffer_containers = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1000)
    scaledown_window = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=86400)


class CallInputsSerializer(serializers.Serializer):
    start_idx = serializers.IntegerField(min_value=0, help_text="Index of the first input of this batch")
    method = serializers.CharField(max_length=128, required=False, default="", allow_blank=True)
    inputs = serializers.ListField(child=Base64Field(), min_length=0, max_length=5000)
    close = serializers.BooleanField(default=False, help_text="True on the last batch")


class InputIdsSerializer(serializers.Serializer):
    input_ids = serializers.ListField(child=serializers.CharField())


class OutputSerializer(serializers.Serializer):
    input_id = serializers.CharField(source="id")
    idx = serializers.IntegerField()
    status = serializers.CharField()
    result_kind = serializers.CharField()
    result = Base64Field(allow_null=True)
    cause = serializers.CharField()
    message = serializers.CharField()
    seq = serializers.IntegerField(source="finished_seq", allow_null=True)
    codec = serializers.CharField(
        required=False, default="", help_text='"json" for a JSON call\'s output (its result is JSON), else ""'
    )


class OutputItemSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Position in the generator's output, from 0")
    # Named like Serializer.data; DRF's metaclass takes declared fields out of the class.
    data = Base64Field(help_text="cloudpickled value, base64")  # type: ignore[assignment]


class ItemPageSerializer(serializers.Serializer):
    items = OutputItemSerializer(many=True)
    done = serializers.BooleanField(help_text="The generator ended (see output for how)")
    output = OutputSerializer(allow_null=True)


class FunctionCallSerializer(serializers.ModelSerializer):
    function_name = serializers.CharField(source="function.name", read_only=True)
    app_id = serializers.CharField(source="function.app_id", read_only=True)
    waiting_reason = serializers.SerializerMethodField(
        help_text="While the call is not finished: why no container of its function could be placed "
        "(which hosts lack what); empty when one was"
    )

    class Meta:
        model = FunctionCall
        fields = [
            "id",
            "function_id",
            "function_name",
            "app_id",
            "kind",
            "status",
            "input_count",
            "waiting_reason",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_waiting_reason(self, obj) -> str:
        if obj.status in (CallStatus.PENDING, CallStatus.RUNNING):
            return obj.function.waiting_reason
        return ""


class CallCreatedSerializer(serializers.Serializer):
    call = FunctionCallSerializer()
    input_ids = serializers.ListField(child=serializers.CharField())
    outputs = OutputSerializer(many=True)


class CallGraphInputSerializer(serializers.Serializer):
    """An input of the call graph, with the inputs of the calls it made from its container."""

    input_id = serializers.CharField()
    function_call_id = serializers.CharField()
    task_id = serializers.CharField(help_text="The container that ran it (empty if none did)")
    status = serializers.CharField()
    function_name = serializers.CharField()
    module_name = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Inputs of this same shape")


class CallGraphSerializer(serializers.Serializer):
    root_call_id = serializers.CharField(help_text="The call at the top of the graph")
    inputs = CallGraphInputSerializer(many=True, help_text="The root call's inputs")


class OutputPageSerializer(serializers.Serializer):
    outputs = OutputSerializer(many=True)
    done = serializers.BooleanField()


class TaskSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host.name", read_only=True, default=None)
    app_id = serializers.CharField(source="function.app_id", read_only=True)
    app = serializers.CharField(source="function.app.name", read_only=True)
    function = serializers.CharField(source="function.name", read_only=True)
    cpu = serializers.FloatField(source="function.cpu", read_only=True, help_text="Cores it may use")
    memory = serializers.IntegerField(source="function.memory", read_only=True, help_text="MiB")
    current_inputs = serializers.SerializerMethodField(
        help_text="The inputs it runs now: their ids and their calls' ids"
    )

    def get_current_inputs(self, task) -> list[dict[str, str]]:
        return self.context.get("current_inputs", {}).get(task.id, [])

    class Meta:
        model = Task
        fields = [
            "id",
            "function_id",
            "function",
            "app_id",
            "app",
            "host",
            "status",
            "cpu",
            "memory",
            "current_inputs",
            "exit_code",
            "cause",
            "inputs_served",
            "gpu_type",
            "gpu_devices",
            "created_at",
            "started_at",
            "stopped_at",
        ]
        read_only_fields = fields


class JsonCallSerializer(serializers.Serializer):
    """A call from any language: JSON arguments (functions.json_calls)."""

    args = serializers.ListField(child=serializers.JSONField(), required=False, default=list)
    kwargs = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    params = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="A class's parameters (for Class.method)",
    )
    environment = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The environment (default: main)",
    )
    wait = serializers.FloatField(
        required=False,
        default=50,
        min_value=0,
        max_value=50,
        help_text="Seconds to wait for the result (call only) before answering 202 with the call's id",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [f"Unknown field; the body takes {', '.join(self.fields)}."]}
                )
        return super().to_internal_value(data)

    def validate_params(self, value):
        for name, param in value.items():
            if not isinstance(param, (str, int, bool)):
                raise serializers.ValidationError(
                    f"Parameter {name!r} must be a string, an integer or a boolean."
                )
        return value


class JsonResultSerializer(serializers.Serializer):
    call_id = serializers.CharField()
    status = serializers.CharField(help_text="pending, running, succeeded, failed, ...")
    result = serializers.JSONField(required=False, help_text="The function's result, when it succeeded")
    result_url = serializers.CharField(required=False, help_text="Where to read the result later")


class CallRowSerializer(FunctionCallSerializer):
    """A call as the calls table shows it (GET /calls/): the call, with how its inputs ran."""

    queue_seconds = serializers.SerializerMethodField(
        help_text="The call made until its first input started (null while none has)"
    )
    cold_start = serializers.BooleanField(
        read_only=True, default=False, help_text="An input waited for its container to start"
    )
    task_id = serializers.CharField(
        source="first_task_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The container of its first input (null before one claimed it)",
    )
    attempts = serializers.IntegerField(
        read_only=True, allow_null=True, default=None, help_text="The most attempts any of its inputs took"
    )

    class Meta(FunctionCallSerializer.Meta):
        fields = [*FunctionCallSerializer.Meta.fields, "queue_seconds", "cold_start", "task_id", "attempts"]
        read_only_fields = fields

    def get_queue_seconds(self, obj) -> float | None:
        started = getattr(obj, "first_started_at", None)
        return round((started - obj.created_at).total_seconds(), 3) if started else None


class CallAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField(help_text="Its number: 1 for the first claim by a container")
    outcome = serializers.CharField(
        help_text="How it ended: failed, timed_out, crashed or preempted (another attempt followed); "
        "for the last one, the input's status (running, succeeded, failed, …) or crashed"
    )
    cause = serializers.CharField()
    message = serializers.CharField()
    traceback = serializers.CharField(help_text="The remote traceback of an exception, else empty")
    task_id = serializers.CharField(help_text="The container it ran in")
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class CallInputReportSerializer(serializers.Serializer):
    id = serializers.CharField()
    idx = serializers.IntegerField()
    status = serializers.CharField()
    attempts = serializers.IntegerField(help_text="Times a container claimed it")
    crashes = serializers.IntegerField(help_text="Attempts lost to container crashes")
    retries_used = serializers.IntegerField(help_text="Attempts spent on the function's Retries policy")
    preemptions = serializers.IntegerField(help_text="Re-runs the platform caused (not counted)")
    cause = serializers.CharField()
    message = serializers.CharField()
    traceback = serializers.CharField(help_text="The remote traceback of an exception, else empty")
    task_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    queue_seconds = serializers.FloatField(allow_null=True)
    run_seconds = serializers.FloatField(allow_null=True)
    attempt_history = CallAttemptSerializer(
        many=True, help_text="Its attempts in order, each with how it ended and why"
    )


class ColdStartStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    what = serializers.CharField()
    seconds = serializers.FloatField(allow_null=True)


class ColdStartBreakdownSerializer(serializers.Serializer):
    cold = serializers.BooleanField(help_text="The first input waited for its container to start")
    stages = ColdStartStageSerializer(many=True)


class CallLogLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stream = serializers.CharField()
    text = serializers.CharField()
    task_id = serializers.CharField()
    created_at = serializers.DateTimeField()


class CallReportSerializer(serializers.Serializer):
    call_id = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Inputs by status")
    inputs = CallInputReportSerializer(many=True, help_text="The first 200 inputs, by index")
    inputs_shown = serializers.IntegerField()
    cold_start = ColdStartBreakdownSerializer()
    logs = CallLogLineSerializer(many=True, help_text="Its log lines, oldest first (the first 2,000)")


class DeployMarkerSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = serializers.CharField()


class MetricSeriesSerializer(serializers.Serializer):
    """One value per bucket in each list (null where there is nothing to show)."""

    inputs_per_second = serializers.ListField(child=serializers.FloatField(allow_null=True))
    succeeded = serializers.ListField(child=serializers.FloatField(allow_null=True))
    failed = serializers.ListField(child=serializers.FloatField(allow_null=True))
    success_rate = serializers.ListField(child=serializers.FloatField(allow_null=True))
    latency_p50 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    latency_p95 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    queue_p50 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    queue_p95 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    cold_start_p50 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    cold_starts = serializers.ListField(child=serializers.FloatField(allow_null=True))
    pending = serializers.ListField(child=serializers.FloatField(allow_null=True))
    running = serializers.ListField(child=serializers.FloatField(allow_null=True))
    containers = serializers.ListField(child=serializers.FloatField(allow_null=True))
    cpu_cores = serializers.ListField(child=serializers.FloatField(allow_null=True))
    memory_gib = serializers.ListField(child=serializers.FloatField(allow_null=True))


class MetricTotalsSerializer(serializers.Serializer):
    inputs = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()


class FunctionMetricsSerializer(serializers.Serializer):
    window = serializers.CharField()
    step_seconds = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    times = serializers.ListField(child=serializers.DateTimeField(), help_text="Each bucket's start")
    series = MetricSeriesSerializer()
    deploys = DeployMarkerSerializer(many=True, help_text="The app's versions made in the window")
    totals = MetricTotalsSerializer()
