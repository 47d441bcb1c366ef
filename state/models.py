"""Dicts and Queues: named (or ephemeral) shared state of a workspace's environment.

Keys and values are the SDK's cloudpickled bytes, opaque to the platform: it stores them, hands
them back and never unpickles them. A Dict entry is found by the sha256 of its pickled key. A
short text preview of a value (plain text or JSON, made by the SDK) may ride along for the CLI.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["Dict", "DictEntry", "Queue", "QueueItem"]


class StateObject(models.Model):
    """What Dicts and Queues share: a workspace, an environment, a name (none when ephemeral)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey("skylift_apps.Environment", on_delete=models.CASCADE, related_name="+")
    # None: ephemeral, deleted when its owner is done (the `ephemeral()` block, or `app` stopping).
    name = models.CharField(max_length=64, null=True, blank=True)
    app = models.ForeignKey(
        "skylift_apps.App", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Moved forward by use at most every `state.operations.TOUCH_SECONDS`; retention counts from it.
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name or 'ephemeral'} ({self.id})"  # type: ignore[attr-defined]


class Dict(StateObject):
    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("di"), editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "environment", "name"],
                condition=models.Q(name__isnull=False),
                name="one_dict_per_name",
            )
        ]
        indexes = [models.Index(fields=["workspace", "environment", "-created_at"], name="dict_listing")]


class DictEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    dict = models.ForeignKey(Dict, on_delete=models.CASCADE, related_name="entries")
    key_hash = models.BinaryField()  # sha256 of `key`
    key = models.BinaryField()
    value = models.BinaryField()
    key_preview = models.TextField(default="", blank=True)
    value_preview = models.TextField(default="", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dict", "key_hash"], name="one_entry_per_key")]


class Queue(StateObject):
    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("qu"), editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "environment", "name"],
                condition=models.Q(name__isnull=False),
                name="one_queue_per_name",
            )
        ]
        indexes = [models.Index(fields=["workspace", "environment", "-created_at"], name="queue_listing")]


class QueueItem(models.Model):
    """One value in a partition of a queue ("" is the default partition); got in `id` order."""

    id = models.BigAutoField(primary_key=True)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="items")
    partition = models.CharField(max_length=64, default="", blank=True)
    value = models.BinaryField()
    preview = models.TextField(default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["queue", "partition", "id"], name="queue_item_order")]
