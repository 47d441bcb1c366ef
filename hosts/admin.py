from __future__ import annotations

from django.contrib import admin, messages

from . import tokens
from .models import Host, HostToken

admin.site.register(
    Host, list_display=["name", "cpu", "memory", "gpu_source", "draining", "lease_expires_at", "token"]
)


@admin.register(HostToken)
class HostTokenAdmin(admin.ModelAdmin):
    """Host tokens are made with `manage.py host_token create` (the plaintext is shown once there);
    here they are listed and revoked."""

    list_display = ["id", "host_name", "note", "automatic", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = [
        "id",
        "host_name",
        "note",
        "automatic",
        "secret_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke (the hosts they let in are lost at once)")
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            tokens.token_revoke(token_id=token.id)
        self.message_user(request, f"Revoked {queryset.count()} host token(s).", messages.SUCCESS)
