"""Tenancy workflows: bootstrap on first start, workspaces, tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import audit, revocation
from .models import ApiToken, Membership, Role, Workspace

__all__ = ["bootstrap_admin", "token_issue", "token_revoke", "workspace_create"]


@transaction.atomic
def workspace_create(*, name: str, owner) -> Workspace:
    """Create a workspace with `owner` as its owner."""
    workspace = Workspace.objects.create(name=name)
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def bootstrap_admin(*, username: str = "admin") -> tuple[object, Workspace, str | None]:
    """On first start: create the admin user and its workspace.

    Returns (user, workspace, password); the password is None when the admin already existed
    (it is generated once, printed once, and never stored in plaintext).
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
    membership = Membership.objects.filter(user=user).select_related("workspace").first()
    workspace = membership.workspace if membership else workspace_create(name=username, owner=user)
    return user, workspace, password


def token_issue(
    *, workspace: Workspace, user, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create an API token; the secret is returned once and stored only as a hash.

    A token with `expires_at` stops authenticating at that time (within the token cache's TTL).
    """
    token, secret = ApiToken.issue(workspace=workspace, user=user, name=name, expires_at=expires_at)
    audit.record(
        workspace=workspace,
        action="token.create",
        target=token,
        actor=user,
        data={"expires_at": expires_at.isoformat() if expires_at else None},
    )
    return token, secret


def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token: it stops authenticating at once, cached or not (accounts.revocation)."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    revocation.revoked()
    if changed:
        audit.record(workspace=token.workspace_id, action="token.revoke", target=token)
