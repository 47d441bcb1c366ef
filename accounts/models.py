"""Tenancy: workspaces, memberships with roles, and API tokens.

Every object a user can see belongs to exactly one workspace; the API resolves the workspace
from the token or the signed-in session and scopes every queryset to it (see
`accounts.api.base.WorkspaceViewSet`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.ids import IdFactory

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Invite",
    "Membership",
    "Role",
    "Workspace",
    "hash_secret",
    "new_secret",
]


class Workspace(models.Model):
    """A tenant: apps, functions, calls and tokens all belong to one."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ws"), editable=False)
    name = models.SlugField(max_length=64, unique=True)
    # Accepted inputs per second, and the burst above it (None: the platform's defaults).
    input_rate = models.PositiveIntegerField(null=True, blank=True)
    input_burst = models.PositiveIntegerField(null=True, blank=True)
    # GPU devices its containers may hold at once (None: no limit).
    gpu_limit = models.PositiveIntegerField(null=True, blank=True)
    # Days its containers' logs are kept (None: SKYLIFT_LOG_RETENTION_DAYS).
    log_retention_days = models.PositiveIntegerField(null=True, blank=True)
    # Sandbox containers kept started per image it uses (None: SKYLIFT_SANDBOX_POOL_SIZE; 0: none).
    sandbox_pool_size = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Membership(models.Model):
    """A user's role in a workspace. `public_id` (`mb-…`) names it in the API."""

    public_id = models.CharField(max_length=32, unique=True, default=IdFactory("mb"), editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]


def new_secret(prefix: str) -> str:
    """A token's secret (`as-…` for API tokens, `ws-…` for proxy tokens): 32 random bytes."""
    return f"{prefix}-" + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # Secrets are 32 random bytes (`new_secret`): a fast hash is enough (no dictionary to
    # attack), and it keeps token checks off the hot path's critical latency.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """An API token: a public id (`ak-…`) plus a secret (`as-…`) stored only as a hash.

    The id is the public lookup prefix; the secret is shown once at creation and compared
    in constant time against the stored hash.

    A personal token acts as its user, with his role in the workspace. A service token
    (`role` set) belongs to the workspace: it acts with its own role, as a service account made for
    it alone (`user`, which no one signs in as), and outlives whoever made it (`created_by`).
    See accounts.service_tokens.
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ak"), editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    secret_hash = models.CharField(max_length=64, editable=False)
    secret_suffix = models.CharField(max_length=4, editable=False, help_text="Last characters, for display")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Service tokens only: the role it acts with ("" for a personal token, which takes its user's),
    # and who made it (None once that user is deleted; the token stays).
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    @property
    def is_service(self) -> bool:
        return bool(self.role)

    @classmethod
    def issue(
        cls, *, workspace: Workspace, user, name: str = "", expires_at=None, **service
    ) -> tuple[ApiToken, str]:
        """Create a token; returns it with its plaintext secret, which is never stored.
        `service`: the `id`, `role` and `created_by` of a service token."""
        secret = new_secret("as")
        token = cls.objects.create(
            workspace=workspace,
            user=user,
            name=name,
            secret_hash=hash_secret(secret),
            secret_suffix=secret[-4:],
            expires_at=expires_at,
            **service,
        )
        return token, secret

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class Invite(models.Model):
    """A link that makes whoever opens it a member of the workspace with `role`, once, until it expires.

    Its secret (`iv-…` id plus an `it-…` secret in the link) is stored only as a hash.
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("iv"), editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    email = models.EmailField(blank=True, default="")
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "pending"


class AuditEvent(models.Model):
    """Who did what to which object of a workspace, when, and from which address (accounts.audit)."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ae"), editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
    created_at = models.DateTimeField(default=timezone.now)
    # The user (None: the platform itself, e.g. an app stopped when its client went away); the
    # name stays when the user is deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    token_id = models.CharField(max_length=32, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_name = models.CharField(max_length=200, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="audit_by_time"),
            models.Index(fields=["workspace", "action", "-created_at"], name="audit_by_action"),
        ]
