from django.contrib import admin

from .models import ApiToken, Membership, Workspace

admin.site.register(Workspace)
admin.site.register(Membership)
admin.site.register(
    ApiToken,
    list_display=["id", "workspace", "user", "name", "role", "created_at", "revoked_at"],
    readonly_fields=["secret_hash"],
)
