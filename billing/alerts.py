"""Budget alerts, delivered: an audit record and a post to the workspace's webhook, once each.

`budgets.check_alerts` raises each threshold (50, 80, 100 %) of a budget once per period (a
`BudgetAlert`, unique per budget, period and threshold); in the same transaction `raised` writes
the audit record and, when the workspace set a webhook, one `AlertDelivery`. The delivery is
posted by the Celery task `billing.tasks.deliver_alert`: it locks its row, posts, and marks it
delivered, so two workers (or the sweep that re-sends deliveries whose message was lost) never
post it twice. A failed post (no answer, or not 2xx) is tried again after
SKYLIFT_WEBHOOK_BACKOFF_SECONDS × 2^(attempt − 1), up to SKYLIFT_WEBHOOK_ATTEMPTS times.

Each post is signed: `X-Skylift-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
webhook's secret, of `<X-Skylift-Timestamp>.<body>`; `X-Skylift-Delivery` is the same on every
attempt of one alert, so a receiver can drop a repeat of a post whose answer was lost.

The dashboard's banner reads the budgets themselves (`budgets.threshold_reached`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from celery import current_app
from django.conf import settings
from django.db import transaction

from accounts import audit
from vault import keys

from .models import AlertDelivery, AlertWebhook, BudgetAlert, DeliveryStatus

log = logging.getLogger("skylift.billing")

__all__ = [
    "SIGNATURE_HEADER",
    "WebhookRefused",
    "deliver",
    "payload",
    "raised",
    "secret_of",
    "sign",
    "sweep",
    "webhook_remove",
    "webhook_set",
]

SIGNATURE_HEADER = "X-Skylift-Signature"
TIMEOUT_SECONDS = 10.0
# A delivery still pending this long after its attempt was due lost its message: sent again.
LOST_AFTER = timedelta(minutes=5)


class WebhookRefused(ValueError):
    """A webhook URL that cannot be used."""


def secret_of(webhook: AlertWebhook) -> str:
    return keys.decrypt(bytes(webhook.secret_encrypted))["secret"]


def _check_url(url: str) -> None:
    """An http(s) URL whose host is not the platform's own network (unless the operator allows it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(f"{url!r} is not an http:// or https:// URL")
    if settings.SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        raise WebhookRefused(f"{parts.hostname} does not resolve") from None
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if not ip.is_global:
            raise WebhookRefused(
                f"{parts.hostname} is a private address ({ip}): the platform posts alerts to public "
                "addresses only (an operator may allow private ones: SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES)"
            )


def webhook_set(*, workspace, url: str, user, rotate_secret: bool = False) -> tuple[AlertWebhook, str]:
    """Set the workspace's webhook URL: (the webhook, its secret). The secret is made at the first
    set and kept on later ones unless `rotate_secret`."""
    _check_url(url)
    existing = AlertWebhook.objects.filter(workspace=workspace).first()
    secret = secret_of(existing) if existing is not None and not rotate_secret else secrets.token_hex(32)
    webhook, created = AlertWebhook.objects.update_or_create(
        workspace=workspace,
        defaults={
            "url": url,
            "secret_encrypted": keys.encrypt({"secret": secret}),
            "updated_by": user,
            "updated_at": datetime.now(UTC),
        },
    )
    audit.record(
        workspace=workspace,
        action="billing.webhook_set",
        target_name=url[:200],
        data={"url": url, "secret_rotated": bool(rotate_secret or created)},
    )
    return webhook, secret


def webhook_remove(*, workspace) -> bool:
    deleted, _ = AlertWebhook.objects.filter(workspace=workspace).delete()
    if deleted:
        audit.record(workspace=workspace, action="billing.webhook_remove")
    return bool(deleted)


def raised(alert: BudgetAlert) -> None:
    """A threshold newly crossed: its audit record and its delivery (within the caller's transaction)."""
    budget = alert.budget
    audit.record(
        workspace=budget.workspace_id,
        action="budget.alert",
        target=budget,
        target_name=budget.app.name if budget.app is not None else "workspace",
        data={
            "threshold": alert.threshold,
            "spend_usd": round(alert.spend_usd, 6),
            "limit_usd": budget.limit_usd,
            "period": budget.period,
            "period_start": alert.period_start.isoformat(),
        },
    )
    webhook = AlertWebhook.objects.filter(workspace_id=budget.workspace_id).first()
    if webhook is None:
        return
    delivery = AlertDelivery.objects.create(alert=alert, url=webhook.url)
    transaction.on_commit(lambda: _enqueue(delivery.id))


def _enqueue(delivery_id: str, countdown: float = 0.0) -> None:
    # By name: billing.tasks imports this module.
    current_app.send_task("billing.tasks.deliver_alert", args=(delivery_id,), countdown=countdown)


def payload(delivery: AlertDelivery) -> bytes:
    alert = delivery.alert
    budget = alert.budget
    body = {
        "type": "budget.alert",
        "delivery_id": delivery.id,
        "workspace": {"id": budget.workspace_id, "name": budget.workspace.name},
        "budget": {
            "id": budget.id,
            "app_id": budget.app_id,
            "app": budget.app.name if budget.app is not None else None,
            "period": budget.period,
            "limit_usd": budget.limit_usd,
        },
        "threshold": alert.threshold,
        "spend_usd": round(alert.spend_usd, 6),
        "period_start": alert.period_start.isoformat(),
        "raised_at": alert.created_at.isoformat(),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Skylift-Signature for a body posted at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def deliver(delivery_id: str) -> tuple[str, float | None]:
    """Post one delivery unless it is done: (its status, seconds until the next attempt or None).

    The row stays locked while posting, so no other worker posts it at the same time."""
    with transaction.atomic():
        delivery = (
            AlertDelivery.objects.select_for_update(of=("self",))
            .select_related("alert__budget__workspace", "alert__budget__app")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return (delivery.status if delivery else "gone"), None
        webhook = AlertWebhook.objects.filter(workspace_id=delivery.alert.budget.workspace_id).first()
        if webhook is None:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, "the webhook was removed"
            delivery.save(update_fields=["status", "last_error"])
            return delivery.status, None
        body = payload(delivery)
        timestamp = str(int(time.time()))
        error = ""
        try:
            _check_url(delivery.url)
            response = httpx.post(
                delivery.url,
                content=body,
                timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Skylift-Webhook",
                    "X-Skylift-Event": "budget.alert",
                    "X-Skylift-Delivery": delivery.id,
                    "X-Skylift-Timestamp": timestamp,
                    SIGNATURE_HEADER: sign(secret_of(webhook), timestamp, body),
                },
            )
            if not 200 <= response.status_code < 300:
                error = f"answered {response.status_code}"
        except (httpx.HTTPError, WebhookRefused) as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery.attempts += 1
        now = datetime.now(UTC)
        retry_in: float | None = None
        if not error:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, ""
        elif delivery.attempts >= settings.SKYLIFT_WEBHOOK_ATTEMPTS:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, error
            log.warning(
                "budget alert %s: webhook %s failed %d times: %s",
                delivery.id,
                delivery.url,
                delivery.attempts,
                error,
            )
        else:
            retry_in = settings.SKYLIFT_WEBHOOK_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)
            delivery.last_error, delivery.next_attempt_at = error, now + timedelta(seconds=retry_in)
        delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "delivered_at"])
        return delivery.status, retry_in


def sweep(now: datetime | None = None) -> int:
    """Send again the pending deliveries whose attempt is long overdue (their message was lost)."""
    now = now or datetime.now(UTC)
    overdue = AlertDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lt=now - LOST_AFTER
    )
    ids = list(overdue.values_list("id", flat=True)[:100])
    for delivery_id in ids:
        _enqueue(delivery_id)
    return len(ids)
