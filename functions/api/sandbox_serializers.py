from __future__ import annotations

from rest_framework import serializers

from ..models import Sandbox
from ..sandboxes import MAX_TIMEOUT_SECONDS


class SandboxSerializer(serializers.ModelSerializer):
    app_id = serializers.CharField(allow_null=True, read_only=True)
    image_id = serializers.CharField(read_only=True)
    returncode = serializers.SerializerMethodField(
        help_text="Its command's exit code once it ended, else null"
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Sandbox
        fields = [
            "id",
            "name",
            "app_id",
            "image_id",
            "command",
            "workdir",
            "cpu",
            "memory",
            "cpu_limit",
            "memory_limit",
            "gpu",
            "gpu_type",
            "timeout",
            "idle_timeout",
            "block_network",
            "cidr_allowlist",
            "volumes",
            "secrets",
            "tags",
            "status",
            "exit_code",
            "returncode",
            "cause",
            "message",
            "created_at",
            "started_at",
            "stopped_at",
            "created_by",
        ]
        read_only_fields = fields

    def get_returncode(self, obj: Sandbox) -> int | None:
        if obj.status not in ("stopped", "failed"):
            return None
        return obj.exit_code if obj.exit_code is not None else -1


class SandboxCreateSerializer(serializers.Serializer):
    image_id = serializers.CharField(
        max_length=32, help_text="A built image of the workspace (POST /images/)"
    )
    app_id = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    command = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=65536),
        required=False,
        default=list,
        max_length=4096,
        help_text="argv; empty: the sandbox idles until terminated or timed out",
    )
    name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    workdir = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="")
    cpu = serializers.FloatField(
        required=False, allow_null=True, min_value=0.01, max_value=64, help_text="cores reserved"
    )
    memory = serializers.IntegerField(
        required=False, allow_null=True, min_value=16, max_value=1024 * 1024, help_text="MiB reserved"
    )
    cpu_limit = serializers.FloatField(
        required=False, allow_null=True, min_value=0.01, max_value=64, help_text="at most this many cores"
    )
    memory_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=16, max_value=1024 * 1024, help_text="MiB at most"
    )
    gpu = serializers.JSONField(
        required=False, allow_null=True, help_text='A GPU request as a function\'s: "T4", "H100:2" or a list'
    )
    volumes = serializers.JSONField(
        required=False, allow_null=True, help_text='Volumes to mount: [{"path", "volume_id"}]'
    )
    secrets = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='Secrets its processes get: [{"id"}|{"name", "environment"}|{"values": {...}}]',
    )
    cidr_allowlist = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        allow_null=True,
        help_text="The only IPv4 ranges it may reach (null: any)",
    )
    timeout = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_TIMEOUT_SECONDS
    )
    idle_timeout = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=5,
        max_value=MAX_TIMEOUT_SECONDS,
        help_text=(
            "Seconds without an open exec or traffic through its tunnels before it stops "
            "(both count as activity)"
        ),
    )
    block_network = serializers.BooleanField(required=False, default=False)
    tags = serializers.DictField(child=serializers.CharField(max_length=256), required=False, default=dict)
    encrypted_ports = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=65535),
        required=False,
        default=list,
        max_length=16,
        help_text="Ports reached through the web gateway at a URL of their own (GET .../tunnels/)",
    )
    unencrypted_ports = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=65535),
        required=False,
        default=list,
        max_length=16,
        help_text="As encrypted_ports (Skylift offers no raw TCP tunnel yet: the same URL)",
    )


class SandboxTunnelSerializer(serializers.Serializer):
    port = serializers.IntegerField()
    encrypted = serializers.BooleanField()
    url = serializers.CharField(help_text="Public: whoever has it reaches the port")
    tcp_host = serializers.CharField(
        allow_null=True, help_text="An unencrypted port's raw TCP tunnel: connect to tcp_host:tcp_port"
    )
    tcp_port = serializers.IntegerField(allow_null=True)


class SandboxTunnelsSerializer(serializers.Serializer):
    tunnels = SandboxTunnelSerializer(many=True)


class SandboxTagsSerializer(serializers.Serializer):
    tags = serializers.DictField(child=serializers.CharField(max_length=256))


class SandboxTerminatedSerializer(serializers.Serializer):
    terminated = serializers.BooleanField(help_text="False when it had ended already")


class SandboxLogLineSerializer(serializers.Serializer):
    at = serializers.CharField(help_text="When it was printed (RFC 3339, UTC)")
    stream = serializers.ChoiceField(choices=["stdout", "stderr"])
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class SandboxLogsSerializer(serializers.Serializer):
    lines = SandboxLogLineSerializer(many=True)
    live = serializers.BooleanField(help_text="Read from its running container (else: kept at its end)")
    truncated = serializers.BooleanField(help_text="Earlier lines exist that are not shown")


class SandboxProcessesSerializer(serializers.Serializer):
    titles = serializers.ListField(child=serializers.CharField())
    processes = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
