"""Role checks, as one table: which roles may use which HTTP methods."""

from __future__ import annotations

from rest_framework import permissions

from .authentication import WorkspaceContext
from .models import Role

__all__ = ["IsWorkspaceMember", "IsWorkspaceAdmin"]

SAFE = {"GET", "HEAD", "OPTIONS"}


class IsWorkspaceMember(permissions.BasePermission):
    """Any member of the request's workspace; members may create and run, admins may delete."""

    scope_map = {
        "GET": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "HEAD": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "OPTIONS": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "POST": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "PUT": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "PATCH": {Role.OWNER, Role.ADMIN, Role.MEMBER},
        "DELETE": {Role.OWNER, Role.ADMIN, Role.MEMBER},
    }

    def has_permission(self, request, view) -> bool:
        ctx = request.auth
        if not isinstance(ctx, WorkspaceContext):
            return False
        return ctx.role in self.scope_map.get(request.method, set())


class IsWorkspaceAdmin(IsWorkspaceMember):
    scope_map = {
        method: ({Role.OWNER, Role.ADMIN} if method not in SAFE else roles)
        for method, roles in IsWorkspaceMember.scope_map.items()
    }
