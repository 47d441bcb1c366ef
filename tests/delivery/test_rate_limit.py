"""A workspace sending inputs past its rate gets 429 with Retry-After; what was accepted runs (S14)."""

from __future__ import annotations

import base64
import time

import cloudpickle
import httpx
import pytest

from functions.fastpath import TOKEN_CACHE_SECONDS
from tests.delivery import calls_app
from tests.delivery.calls_app import app

pytestmark = pytest.mark.integration


@pytest.fixture
def limited(platform):
    with app.run(client=platform.client("alice")):
        platform.sql("UPDATE accounts_workspace SET input_rate = 2, input_burst = 5 WHERE name = 'alpha'")
        platform.redis().delete(*platform.redis().keys("skylift:rate:*") or ["none"])
        # The fast path keeps a token's workspace limits for TOKEN_CACHE_SECONDS (as it keeps the
        # token itself): a changed limit applies once that has passed.
        time.sleep(TOKEN_CACHE_SECONDS + 0.5)
        try:
            yield platform
        finally:
            platform.sql(
                "UPDATE accounts_workspace SET input_rate = NULL, input_burst = NULL WHERE name = 'alpha'"
            )


def _spawn(platform, function_id: str, x: int) -> httpx.Response:
    blob = base64.b64encode(cloudpickle.dumps(((x,), {}))).decode()
    return httpx.post(
        f"{platform.url}/api/v1/calls/",
        headers=platform.users["alice"].headers,
        timeout=30,
        json={"function_id": function_id, "kind": "spawn", "inputs": [blob]},
    )


def test_s14_a_burst_past_the_limit_gets_429_and_the_accepted_inputs_run(limited):
    function_id = calls_app.sha.object_id
    responses = [_spawn(limited, function_id, x) for x in range(8)]
    statuses = [r.status_code for r in responses]
    # then: the burst is accepted, the rest refused with an integer Retry-After; never a 5xx
    assert statuses[:5] == [201] * 5
    assert 429 in statuses[5:]
    assert all(s in (201, 429) for s in statuses)
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["Retry-After"].isdigit()
    assert refused.json()["error"]["code"] == "rate_limited"
    # what was accepted before the refusal runs to completion
    from skylift import FunctionCall

    accepted = [r.json()["call"]["id"] for r in responses if r.status_code == 201]
    client = limited.client("alice")
    assert [FunctionCall.from_id(c, client=client).get(timeout=60) for c in accepted[:5]] == [
        calls_app.sha.local(x) for x in range(5)
    ]


def test_s14_the_sdk_waits_out_the_limit_and_loses_nothing(limited):
    calls = [calls_app.sha.spawn(x) for x in range(9)]
    assert [c.get(timeout=60) for c in calls] == [calls_app.sha.local(x) for x in range(9)]


def test_s14_a_batch_larger_than_the_burst_is_refused_with_advice(limited):
    from skylift.exception import InvalidError

    with pytest.raises(InvalidError, match="smaller batches"):
        calls_app.sha.spawn_map(range(6))
