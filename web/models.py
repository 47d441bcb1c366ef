"""Proxy auth tokens: what a request to a web endpoint with `requires_proxy_auth=True` must carry.

A token belongs to a workspace, not to a user: it lets any HTTP client (a browser, curl, another
service) past the gateway to the workspace's protected endpoints, and nothing else (it opens no
API). Its key (`wk-…`) is public; its secret (`ws-…`) is shown once and stored only as a hash,
by the rule API tokens use (`accounts.models.hash_secret`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Workspace
from config.ids import IdFactory

__all__ = ["ProxyToken"]


class ProxyToken(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("wk"), editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="proxy_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    secret_hash = models.CharField(max_length=64, editable=False)
    secret_suffix = models.CharField(max_length=4, editable=False, help_text="Last characters, for display")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Written at most once a minute per token (web.proxy_tokens), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "proxy token"

    def __str__(self) -> str:
        return self.id
