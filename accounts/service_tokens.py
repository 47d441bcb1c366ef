"""Service tokens: API tokens that belong to the workspace, not to a person.

A CI job or a scheduler needs a token that keeps working when whoever set it up leaves the
workspace. A service token is that: made and revoked by the workspace's owners and admins (the
API's roles table says so), it acts with a role of its own (admin or member: the owner role stays
with people), and removing its maker leaves it working.

It acts as a service account made for it alone: a user no one signs in as (no usable password,
no membership), named `service.<token id>`. What the token creates (apps, calls, volumes) is that
account's, so the rules that let a member change what he created apply to a member-role service
token as to a person, and the audit log names the token. The SDK, the CLI and the TypeScript
client send it as they send a personal token (`Authorization: Bearer ak-…:as-…`).

The rules, all here:
- Its role is admin or member.
- People make and revoke service tokens: a request made with a service token may not (nor may it
  make personal tokens: it has no person to act as).
- Revoking takes effect at once, cached or not (accounts.revocation).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.errors import ApiError
from config.ids import new_id

from . import audit, revocation
from .authentication import WorkspaceContext
from .models import ApiToken, Role, Workspace

__all__ = ["ROLES", "SERVICE_USER_PREFIX", "by_a_person", "issue", "revoke"]

# The roles a service token may act with.
ROLES = (Role.ADMIN, Role.MEMBER)
SERVICE_USER_PREFIX = "service."


def by_a_person(ctx: WorkspaceContext, what: str) -> None:
    """Refuse `what` to a request made with a service token (403, in words)."""
    if ctx.service:
        raise ApiError(
            f"{what} needs a person: this request was made with the service token {ctx.token_id}.",
            code="permission_denied",
            status_code=403,
            hint="Sign in to the dashboard, or use a personal token (skylift token new).",
        )


def issue(
    *,
    workspace: Workspace,
    role: str,
    by_user,
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new service token of `workspace` acting as `role`, made by `by_user`; with its secret,
    returned once and stored only as a hash."""
    if role not in ROLES:
        raise ApiError(
            f"{role!r} is not a role a service token may have: admin or member "
            "(the owner role stays with people).",
            field="role",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiError("The expiry must be in the future.", field="expires_at")
    token_id = new_id("ak")
    with transaction.atomic():
        account = get_user_model().objects.create_user(
            username=f"{SERVICE_USER_PREFIX}{token_id}", first_name=name[:150], password=None
        )
        token, secret = ApiToken.issue(
            workspace=workspace,
            user=account,
            name=name,
            expires_at=expires_at,
            id=token_id,
            role=role,
            created_by=by_user,
        )
        audit.record(
            workspace=workspace,
            action="service_token.create",
            target=token,
            actor=by_user,
            data={"role": role, "expires_at": expires_at.isoformat() if expires_at else None},
        )
    return token, secret


def revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a service token: it stops authenticating at once, cached or not."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        revocation.revoked()
        if changed:
            audit.record(
                workspace=token.workspace_id,
                action="service_token.revoke",
                target=token,
                data={"role": token.role},
            )
    token.refresh_from_db()
    return token
