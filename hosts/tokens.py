"""Host tokens: what makes a host agent the agent of one host (docs/operations.md, "Hosts").

An operator makes a token for a host name (`manage.py host_token create NAME`) and starts that
host's agent with it (SKYLIFT_HOST_TOKEN). The agent's host name, and so its Host row and the
Celery queue it consumes (`host.<name>`), come from the token it presents, verified here; an agent
with no token, a revoked one, or one made for another host name than it was told to be, does not
start. A host's heartbeats renew its lease only while the token that registered it is still its
token and not revoked (hosts/services.py host_heartbeat), so a revoked token takes its host out of
placement at once, and its agent fences itself and stops at its next heartbeat.

What this does NOT guarantee: the agent reaches PostgreSQL and Redis with the platform's shared
credentials (it writes rows and queues on its containers' behalf), so an agent whose code was
changed can act as any host. The token keeps honest agents apart (two hosts given one name, an
agent started with another host's settings, a retired machine still running) and lets an operator
retire a host; it is not a boundary against a hostile host.
"""

from __future__ import annotations

import hmac
import re

from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from accounts.models import hash_secret, new_secret

from .models import Host, HostToken

__all__ = [
    "HostTokenError",
    "agent_token",
    "heartbeat_refusal",
    "token_create",
    "token_revoke",
    "token_verify",
]

# A host name is part of a Celery queue name, a Docker label value and a Redis key.
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
HOW_TO_MAKE = "make one on the control plane with `manage.py host_token create {name}`"


class HostTokenError(Exception):
    """An agent's token was refused; the message says why and what to do. `fence`: its host was
    taken out of service (revoked), so the containers it runs must go too."""

    def __init__(self, message: str, *, fence: bool = False) -> None:
        super().__init__(message)
        self.fence = fence


def token_create(*, host_name: str, note: str = "", automatic: bool = False) -> tuple[HostToken, str]:
    """A new token for the host `host_name`; returns it with its plaintext (`ht-…:hs-…`), shown once
    and never stored (only the secret's hash is)."""
    if not HOST_NAME.fullmatch(host_name):
        raise HostTokenError(
            f"{host_name!r} is not a valid host name: 1 to 128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    secret = new_secret("hs")
    token = HostToken.objects.create(
        host_name=host_name, note=note[:200], automatic=automatic, secret_hash=hash_secret(secret)
    )
    return token, f"{token.id}:{secret}"


def token_verify(presented: str, *, host_name: str | None = None) -> HostToken:
    """The active token `presented` is (`ht-…:hs-…`), or HostTokenError saying why not.

    `host_name`: the name the agent was told it is (SKYLIFT_HOST_NAME), when it was told one; a
    token made for another host is refused, never used to serve that other host's queue.
    """
    token_id, _, secret = presented.strip().partition(":")
    if not (token_id.startswith("ht-") and secret.startswith("hs-")):
        raise HostTokenError("SKYLIFT_HOST_TOKEN is not a host token (the form is ht-…:hs-…)")
    token = HostToken.objects.filter(pk=token_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        raise HostTokenError(f"host token {token_id} was not accepted: no such token, or a wrong secret")
    if token.revoked_at is not None:
        raise HostTokenError(
            f"host token {token.id} (host {token.host_name}) was revoked at {token.revoked_at:%Y-%m-%d %H:%M} UTC; "
            + HOW_TO_MAKE.format(name=token.host_name)
        )
    if host_name is not None and host_name != token.host_name:
        raise HostTokenError(
            f"host token {token.id} is host {token.host_name!r}'s, and this agent was told it is "
            f"{host_name!r} (SKYLIFT_HOST_NAME): an agent serves only the host its token names. "
            "Unset SKYLIFT_HOST_NAME, or " + HOW_TO_MAKE.format(name=host_name)
        )
    HostToken.objects.filter(pk=token.pk).update(last_used_at=Now())
    return token


def agent_token(
    *, presented: str, declared_name: str | None, automatic: bool, machine_name: str
) -> HostToken:
    """The token a starting agent is the agent of: the one it presents (checked against the host name
    it was told it is, `declared_name`), or else, where its settings say it may (`automatic`: an
    agent on the control plane's own machine), one made for it now for `declared_name` or the
    machine's name.

    An automatic token replaces the host's earlier automatic ones (revoked; an agent still running
    with one stops at its next heartbeat). A host the operator made tokens for gets no automatic one.
    """
    if presented.strip():
        return token_verify(presented, host_name=declared_name)
    host_name = declared_name or machine_name
    if not automatic:
        raise HostTokenError(
            "no host token: start the agent with SKYLIFT_HOST_TOKEN set to its host's token; "
            + HOW_TO_MAKE.format(name=host_name)
        )
    with transaction.atomic():
        tokens = HostToken.objects.select_for_update().filter(host_name=host_name).active()
        if any(not t.automatic for t in tokens):
            raise HostTokenError(
                f"host {host_name!r} has a token an operator made: start its agent with it "
                "(SKYLIFT_HOST_TOKEN); no token is made automatically for it"
            )
        tokens.update(revoked_at=Now())
        token, _ = token_create(host_name=host_name, note="made by its agent at start", automatic=True)
    return token


def token_revoke(*, token_id: str) -> HostToken:
    """Revoke a token: no agent starts with it again, and the host it registered is lost now (its
    lease ends: the control plane places nothing more there and runs its inputs elsewhere; its
    agent, refused at its next heartbeat, kills its containers and stops)."""
    with transaction.atomic():
        token = HostToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise HostTokenError(f"no host token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        Host.objects.filter(token=token).update(lease_expires_at=Now(), draining=True)
    return token


def heartbeat_refusal(host: Host) -> HostTokenError:
    """Why the heartbeat of `host` (as its agent registered it) renewed nothing."""
    current = Host.objects.filter(pk=host.pk).select_related("token").first()
    if current is None:
        return HostTokenError(f"host {host.name} is no longer registered")
    if current.token_id != host.token_id:
        return HostTokenError(
            f"host {host.name} was registered again by an agent with token {current.token_id}: "
            "this agent no longer serves it"
        )
    token = current.token
    if token is not None and token.automatic and newer_token(token):
        # Its automatic token was replaced by the next start of an agent for this host.
        return HostTokenError(f"host {host.name} was taken over by a newer agent's automatic token")
    when = f" at {token.revoked_at:%Y-%m-%d %H:%M} UTC" if token and token.revoked_at else ""
    return HostTokenError(
        f"the host token {host.token_id} of host {host.name} was revoked{when}; "
        + HOW_TO_MAKE.format(name=host.name),
        fence=True,
    )


def newer_token(token: HostToken) -> bool:
    return (
        HostToken.objects.active().filter(host_name=token.host_name, created_at__gt=token.created_at).exists()
    )
