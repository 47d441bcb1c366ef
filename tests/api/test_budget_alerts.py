"""Budget alerts: the webhook owners and admins set, each alert's audit record and its one signed
delivery to a local receiver (retried after a failure), and the threshold the banner reads."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditEvent
from billing import alerts, budgets
from billing.models import AlertDelivery, Budget, DeliveryStatus
from tests.billing.receiver import Receiver, signed_by

from .test_usage import DEFAULT

# A's task: 7.5 core-seconds and 7.5 GiB-seconds this month (tests/api/support.py).
SPENT = 7.5 * (DEFAULT["cpu"] + DEFAULT["memory"])


@pytest.fixture
def receiver():
    made = Receiver(fail_first=1)
    yield made
    made.close()


def test_owners_and_admins_set_the_webhook_and_members_are_told_why_not(trio, dana):
    # when bob, a member, sets or reads the webhook: refused, with the reason
    for refused in (
        trio.bob.api.put("/api/v1/budget-webhook/", {"url": "https://example.com/h"}, format="json"),
        trio.bob.api.get("/api/v1/budget-webhook/"),
    ):
        assert refused.status_code == 403
        assert "only owners and admins see or change it" in refused.json()["error"]["hint"]
    # when dana, an admin, sets it: it has a secret, kept when the URL changes, new when rotated
    made = dana.api.put("/api/v1/budget-webhook/", {"url": "http://127.0.0.1:9/a"}, format="json").json()
    moved = dana.api.put("/api/v1/budget-webhook/", {"url": "http://127.0.0.1:9/b"}, format="json").json()
    rotated = dana.api.put(
        "/api/v1/budget-webhook/", {"url": "http://127.0.0.1:9/b", "rotate_secret": True}, format="json"
    ).json()
    assert len(made["secret"]) == 64 and moved["secret"] == made["secret"] != rotated["secret"]
    assert trio.alice.api.get("/api/v1/budget-webhook/").json()["url"] == "http://127.0.0.1:9/b"
    # and charlie's workspace has none
    assert trio.charlie.api.get("/api/v1/budget-webhook/").status_code == 404
    # and each change is in the audit log, the secret never
    events = AuditEvent.objects.filter(workspace=trio.alice.workspace, action="billing.webhook_set")
    assert events.count() == 3 and all("secret" not in e.data for e in events)
    # and removing it leaves none
    assert trio.alice.api.delete("/api/v1/budget-webhook/").status_code == 204
    assert trio.alice.api.get("/api/v1/budget-webhook/").status_code == 404


def test_bad_and_private_urls_are_refused(trio, settings):
    settings.SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES = False
    for url in ("ftp://example.com/h", "not a url", "http://127.0.0.1:8000/h", "http://10.1.2.3/h"):
        refused = trio.alice.api.put("/api/v1/budget-webhook/", {"url": url}, format="json")
        assert refused.status_code == 400, (url, refused.content)
        assert refused.json()["error"]["field"] == "url"
    assert "private address" in refused.json()["error"]["message"]


def test_each_threshold_is_audited_and_delivered_once_signed_after_a_failed_post(trio, objects_a, receiver):
    # given A's webhook at a receiver whose first answer is a 500, and a workspace budget just spent
    secret = trio.alice.api.put("/api/v1/budget-webhook/", {"url": receiver.url}, format="json").json()[
        "secret"
    ]
    budget = Budget.objects.create(workspace=trio.alice.workspace, limit_usd=SPENT)
    # when the alert job runs twice
    raised = budgets.check_alerts() + budgets.check_alerts()
    # then 50, 80 and 100 % are raised once each, each audited and with one delivery
    mine = [a for a in raised if a.budget_id == budget.id]
    assert sorted(a.threshold for a in mine) == [50, 80, 100]
    audited = AuditEvent.objects.filter(workspace=trio.alice.workspace, action="budget.alert")
    assert sorted(e.data["threshold"] for e in audited) == [50, 80, 100]
    assert {e.target_id for e in audited} == {budget.id} and {e.actor_name for e in audited} == {""}
    deliveries = list(AlertDelivery.objects.filter(alert__budget=budget).order_by("alert__threshold"))
    assert len(deliveries) == 3
    # when each delivery is posted, twice over (as two workers would)
    outcomes = [alerts.deliver(d.id) for d in deliveries] + [alerts.deliver(d.id) for d in deliveries]
    # then the first post failed (500) and is to be retried after the backoff; the others went once
    assert outcomes[0] == (DeliveryStatus.PENDING, pytest.approx(0.5))
    assert [o[0] for o in outcomes[1:]] == ["delivered"] * 5
    # when the retry comes
    assert alerts.deliver(deliveries[0].id) == ("delivered", None)
    # then the receiver got each threshold once (and the failed first post of 50 %)
    delivered = [json.loads(body) for _, body in receiver.posts[1:]]
    assert sorted(d["threshold"] for d in delivered) == [50, 80, 100]
    assert len(receiver.posts) == 4 and json.loads(receiver.posts[0][1])["threshold"] == 50
    assert {d["budget"]["id"] for d in delivered} == {budget.id}
    # and each post is signed with the webhook's secret over its timestamp and body
    assert all(signed_by(secret, headers, body) for headers, body in receiver.posts)
    assert receiver.posts[0][0]["X-Skylift-Delivery"] == receiver.posts[-1][0]["X-Skylift-Delivery"]
    assert AlertDelivery.objects.get(pk=deliveries[0].pk).attempts == 2


def test_the_budget_says_which_threshold_it_reached(trio, objects_a):
    # given A's app cap at 120 % of its spend, then at 90 %
    trio.alice.api.post(
        "/api/v1/budgets/", {"app_id": objects_a.app.id, "limit_usd": SPENT / 0.9}, format="json"
    )
    (listed,) = [b for b in trio.bob.api.get("/api/v1/budgets/").json()["results"] if b["app_id"]]
    assert (listed["threshold"], listed["reached"]) == (80, False)
    made = trio.alice.api.post(
        "/api/v1/budgets/", {"app_id": objects_a.app.id, "limit_usd": SPENT / 2}, format="json"
    ).json()
    assert (made["threshold"], made["reached"]) == (100, True)
    # and setting and removing budgets are audited
    assert trio.alice.api.delete(f"/api/v1/budgets/{made['id']}/").status_code == 204
    actions = AuditEvent.objects.filter(workspace=trio.alice.workspace, action__startswith="budget.")
    assert sorted(actions.values_list("action", flat=True)) == ["budget.remove", "budget.set", "budget.set"]
