"""API authentication: bearer tokens for the SDK and scripts, the session for the dashboard.

Both resolve to a `WorkspaceContext` in `request.auth`; every view scopes its data to
`request.auth.workspace`.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from django.utils import timezone
from rest_framework import authentication, exceptions

from . import revocation
from .models import ApiToken, Membership, Role, Workspace

__all__ = [
    "HEADER_TOO_LONG",
    "INVALID_TOKEN",
    "MALFORMED_HEADER",
    "MAX_AUTHORIZATION_BYTES",
    "NO_CREDENTIALS",
    "ApiTokenAuthentication",
    "SessionAuthentication",
    "SESSION_WORKSPACE",
    "WorkspaceContext",
    "parse_bearer",
    "session_membership",
]

# A verified token is trusted for this long without asking the database again, so that a
# request costs no token query, but only while the revocation epoch it was checked under holds
# (accounts.revocation): a revoked token stops at once, an expired one within this.
TOKEN_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class WorkspaceContext:
    workspace: Workspace
    role: str
    token_id: str | None = None
    # Whether the request was made with a service token (accounts.service_tokens): no person behind it.
    service: bool = False


# What a client is told, here and on the fast path of calls (functions.fastpath), which answers
# before Django does.
NO_CREDENTIALS = "Authentication credentials were not provided."
MALFORMED_HEADER = "Malformed Authorization header: expected 'Bearer <token_id>:<token_secret>'."
INVALID_TOKEN = "Invalid or revoked API token."
# A token's header is under a hundred bytes; a longer one is refused before anything hashes it.
MAX_AUTHORIZATION_BYTES = 1024
HEADER_TOO_LONG = (
    f"The Authorization header is too long (over {MAX_AUTHORIZATION_BYTES} bytes); "
    "a token's id and secret take under a hundred."
)

# Token ids are `ak-` plus letters and digits (config.ids). Checking the shape first keeps
# arbitrary header bytes (a NUL, 10k characters) away from the database query.
_TOKEN_ID = re.compile(r"ak-[A-Za-z0-9]{1,29}")


def parse_bearer(header: str) -> tuple[str, str] | None:
    """`Bearer <token_id>:<token_secret>` as (token_id, secret), or None if it is not that shape."""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or ":" not in credentials:
        return None
    token_id, _, secret = credentials.strip().partition(":")
    if not _TOKEN_ID.fullmatch(token_id) or not secret:
        return None
    return token_id, secret


class _TokenCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, ApiToken, str, bytes]] = {}

    def get(self, token_id: str, epoch: bytes | None) -> tuple[ApiToken, str] | None:
        """The token and role checked under `epoch`, if still fresh; None when Redis cannot say."""
        entry = self._entries.get(token_id)
        if entry is None or entry[0] < time.monotonic() or epoch is None or entry[3] != epoch:
            return None
        return entry[1], entry[2]

    def put(self, token: ApiToken, role: str, epoch: bytes | None) -> None:
        if epoch is None:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token.id] = (time.monotonic() + TOKEN_CACHE_SECONDS, token, role, epoch)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


token_cache = _TokenCache()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer ak-…:as-…`."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        if len(header) > MAX_AUTHORIZATION_BYTES:  # one byte per character (Django decodes latin-1)
            raise exceptions.AuthenticationFailed(HEADER_TOO_LONG)
        parsed = parse_bearer(header)
        if parsed is None:
            raise exceptions.AuthenticationFailed(MALFORMED_HEADER)
        token_id, secret = parsed
        epoch = revocation.current()  # read before the database, so that a revocation between is seen
        cached = token_cache.get(token_id, epoch)
        if cached is None:
            token = ApiToken.objects.select_related("workspace", "user").filter(pk=token_id).first()
            if token is None or not token.is_active or not token.user.is_active:
                raise exceptions.AuthenticationFailed(INVALID_TOKEN)
            role = token.role or _member_role(token)  # a service token has its own (accounts.service_tokens)
            if token.matches(secret):
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
                token_cache.put(token, role, epoch)
        else:
            token, role = cached
        if not token.matches(secret):
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return token.user, WorkspaceContext(
            workspace=token.workspace, role=role, token_id=token.id, service=token.is_service
        )

    def authenticate_header(self, request):
        return 'Bearer realm="skylift"'


def _member_role(token: ApiToken) -> str:
    """A personal token's role: its user's in its workspace, while he is a member."""
    membership = Membership.objects.filter(workspace=token.workspace, user=token.user).first()
    if membership is None:
        raise exceptions.AuthenticationFailed("The token's user is no longer a member of its workspace.")
    return membership.role


# The session key of the workspace the dashboard shows (the workspace switcher sets it).
SESSION_WORKSPACE = "skylift_workspace"


def session_membership(user, session) -> Membership | None:
    """The membership the dashboard acts in: the workspace the session chose, while the user is
    still a member of it; else the one he owns, then the one he administers, then his oldest."""
    memberships = Membership.objects.select_related("workspace").filter(user=user)
    chosen = session.get(SESSION_WORKSPACE) if session is not None else None
    if chosen:
        found = memberships.filter(workspace_id=chosen).first()
        if found is not None:
            return found
    return memberships.order_by(models_role_order(), "created_at").first()


class SessionAuthentication(authentication.SessionAuthentication):
    """The dashboard's session (CSRF enforced by DRF for unsafe methods)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        membership = session_membership(user, request._request.session)
        if membership is None:
            raise exceptions.AuthenticationFailed("This user belongs to no workspace.")
        return user, WorkspaceContext(workspace=membership.workspace, role=membership.role)


def models_role_order():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(role=Role.OWNER, then=Value(0)),
        When(role=Role.ADMIN, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
