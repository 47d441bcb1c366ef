"""A workspace's rate of accepted inputs: a token bucket in Redis with a burst allowance.

Past the limit a request is refused whole with 429 and Retry-After (whole seconds), never
half-accepted and never dropped: what was accepted before the refusal runs as usual
(RELIABILITY S14). One script, so concurrent requests on any number of servers share the bucket.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings

from .queues import redis_client

if TYPE_CHECKING:
    from accounts.models import Workspace

__all__ = ["RATE_SCRIPT", "take"]

# Returns 0 when `n` tokens were taken, else the whole seconds to wait before they would be there.
RATE_SCRIPT = """
local rate, burst, now, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= n then tokens = tokens - n else wait = math.ceil((n - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return wait
"""


def bucket_key(workspace_id: str) -> str:
    return f"skylift:rate:{workspace_id}"


def limits(workspace: Workspace) -> tuple[float, float]:
    """(inputs per second, burst) for a workspace: its own, or the platform's defaults."""
    rate = workspace.input_rate or settings.SKYLIFT_INPUT_RATE
    burst = workspace.input_burst or settings.SKYLIFT_INPUT_BURST
    return float(rate), float(burst)


def take(workspace: Workspace, n: int) -> int:
    """Take `n` inputs' worth from the workspace's bucket; 0 when allowed, else seconds to wait."""
    rate, burst = limits(workspace)
    return int(redis_client().eval(RATE_SCRIPT, 1, bucket_key(workspace.pk), rate, burst, time.time(), n))
