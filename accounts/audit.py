"""The audit log: who did what to which object of a workspace, when, and from where.

The domain modules that own an action call `record(...)` once it is done (apps.deployments for
deploys and rollbacks, functions.services for stops, vault.services for secrets,
accounts.services for API tokens, accounts.service_tokens for service tokens, web.proxy_tokens
for proxy tokens, accounts.team for members and invites, accounts.workspace_settings for settings). They say what happened; who asked and
from which address comes from the request being served, which the API binds (`bound`) around
each view: the domain functions need no request. An action with no request behind it (an app
stopped because its client went away) is recorded as the platform's, with no actor.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from .models import AuditEvent, Workspace

__all__ = ["ACTIONS", "Origin", "as_dict", "bind", "bound", "events", "json_line", "record", "unbind"]

# Every action the log records, with what it means (the API documents the list).
ACTIONS = {
    "app.deploy": "An app was deployed (a new version).",
    "app.rollback": "An app was rolled back to an earlier version.",
    "app.stop": "An app was stopped.",
    "secret.create": "A secret was created.",
    "secret.update": "A secret's values were changed.",
    "secret.delete": "A secret was deleted.",
    "token.create": "An API token was created.",
    "token.revoke": "An API token was revoked.",
    "service_token.create": "A service token (the workspace's, with a role of its own) was created.",
    "service_token.revoke": "A service token was revoked.",
    "proxy_token.create": "A proxy token was created.",
    "proxy_token.revoke": "A proxy token was revoked.",
    "proxy_token.delete": "A proxy token was deleted.",
    "member.invite": "Someone was invited to the workspace.",
    "member.invite_revoke": "An invite was revoked before it was used.",
    "member.join": "Someone joined the workspace with an invite.",
    "member.role_change": "A member's role was changed.",
    "member.remove": "A member was removed from the workspace.",
    "workspace.settings_change": "The workspace's settings were changed.",
    "budget.set": "A budget (a workspace's or an app's cap) was set or changed.",
    "budget.remove": "A budget was removed.",
    "budget.alert": "A budget crossed 50, 80 or 100 % of its cap in its period.",
    "billing.webhook_set": "The URL budget alerts are posted to was set (or its secret renewed).",
    "billing.webhook_remove": "The URL budget alerts are posted to was removed.",
}


@dataclass(frozen=True)
class Origin:
    """Who is asking and from where: the request being served."""

    user: object | None
    ip: str | None
    token_id: str = ""


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("skylift_audit_origin", default=None)


def _client_ip(request) -> str | None:
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def bind(request) -> contextvars.Token:
    """From now on `record` names the user, token and address of `request`; undo with `unbind`."""
    auth = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    return _origin.set(
        Origin(
            user=user if getattr(user, "is_authenticated", False) else None,
            ip=_client_ip(request),
            token_id=getattr(auth, "token_id", None) or "",
        )
    )


@contextlib.contextmanager
def bound(request) -> Iterator[None]:
    """While serving `request`, `record` names its user, token and address."""
    token = bind(request)
    try:
        yield
    finally:
        unbind(token)


def unbind(token: contextvars.Token) -> None:
    _origin.reset(token)


def _target(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    kind = target._meta.model_name
    name = getattr(target, "name", "") or getattr(target, "username", "") or ""
    return kind, str(target.pk), str(name)[:200]


def record(
    *,
    workspace: Workspace | str,
    action: str,
    target: models.Model | None = None,
    target_name: str | None = None,
    actor=None,
    data: dict | None = None,
) -> AuditEvent:
    """Write one event of the log. `actor` defaults to the user of the request being served."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not an audited action (accounts.audit.ACTIONS)")
    origin = _origin.get()
    if actor is None and origin is not None:
        actor = origin.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    kind, target_id, named = _target(target)
    target_name = named if target_name is None else target_name[:200]
    return AuditEvent.objects.create(
        workspace_id=workspace if isinstance(workspace, str) else workspace.pk,
        action=action,
        actor=actor,
        actor_name=getattr(actor, "username", "") if actor is not None else "",
        token_id=origin.token_id if origin is not None else "",
        ip=origin.ip if origin is not None else None,
        target_type=kind,
        target_id=target_id,
        target_name=target_name,
        data=data or {},
    )


def events(
    *,
    workspace: Workspace,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> models.QuerySet[AuditEvent]:
    """The workspace's events, newest first, filtered: an action (`app.deploy`, or `app.` for every
    app action), an actor's username, a target's id, a time window."""
    found = AuditEvent.objects.filter(workspace=workspace)
    if action:
        found = (
            found.filter(action__startswith=action) if action.endswith(".") else found.filter(action=action)
        )
    if actor:
        found = found.filter(actor_name=actor)
    if target:
        found = found.filter(target_id=target)
    if since:
        found = found.filter(created_at__gte=since)
    if until:
        found = found.filter(created_at__lt=until)
    return found.order_by("-created_at", "-id")


def as_dict(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_name or None,
        "token_id": event.token_id or None,
        "ip": event.ip,
        "action": event.action,
        "target_type": event.target_type or None,
        "target_id": event.target_id or None,
        "target_name": event.target_name or None,
        "data": event.data,
    }


def json_line(event: AuditEvent) -> str:
    """One event as a line of JSON (the export's format: JSON lines)."""
    return json.dumps(as_dict(event), separators=(",", ":"), sort_keys=True) + "\n"
