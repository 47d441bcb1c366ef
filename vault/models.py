"""Secrets: named sets of environment variables per workspace and environment, stored encrypted.

A secret's values are one Fernet token (`vault.keys`); the database holds only that ciphertext and
the variables' names. Inline secrets (`Secret.from_dict` and friends) belong to the app that sent
them and are deleted when it stops.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["Secret", "SecretEvent", "SigningKey"]


class Secret(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("st"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="secrets")
    environment = models.ForeignKey(
        "skylift_apps.Environment", null=True, blank=True, on_delete=models.CASCADE, related_name="secrets"
    )
    name = models.CharField(max_length=64, blank=True, default="", help_text="empty for an inline secret")
    app = models.ForeignKey(
        "skylift_apps.App",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inline_secrets",
        help_text="the app an inline secret belongs to",
    )
    digest = models.CharField(
        max_length=64, blank=True, default="", help_text="an inline secret's keyed hash of its values"
    )
    ciphertext = models.BinaryField()
    keys = models.JSONField(default=list, help_text="the variables' names, sorted")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "environment", "name"],
                condition=~Q(name=""),
                name="one_secret_per_name",
            ),
            models.UniqueConstraint(
                fields=["app", "digest"], condition=Q(name=""), name="one_inline_secret_per_content"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name or 'inline'} ({self.id})"


class SecretAction(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class SecretEvent(models.Model):
    """The audit record of a change to a named secret: who, when, which keys; never a value."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    secret_id = models.CharField(max_length=32)  # the secret may be gone
    name = models.CharField(max_length=64)
    environment = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=SecretAction.choices)
    keys = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-at"])]


class SigningKey(models.Model):
    """A key that signs containers' OIDC identity tokens (`vault.identity`). The private key is
    stored as a Fernet token, like a secret's values; the public one is served in the JWKS."""

    kid = models.CharField(primary_key=True, max_length=64)
    private_token = models.BinaryField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
