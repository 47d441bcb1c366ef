"""Validation of resource options (cpu, memory, timeout, gpu), shared by the SDK and the server.

Kept free of third-party imports: it runs in the client, in the control plane and in containers.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .._exceptions import InvalidError

__all__ = [
    "GPU_MAX_COUNTS",
    "GPU_TYPES",
    "MAX_GPU_COUNT",
    "parse_gpu",
    "validate_cpu",
    "validate_memory",
    "validate_timeout",
]

MIN_TIMEOUT, MAX_TIMEOUT = 1, 24 * 3600
MAX_CPU = 64.0
MIN_MEMORY, MAX_MEMORY = 16, 336 * 1024  # MiB
MAX_GPU_COUNT = 8
# Types whose machines hold fewer than MAX_GPU_COUNT devices (Modal's guide: "A10G instances
# support up to 4 GPUs").
GPU_MAX_COUNTS = {"A10G": 4}
GPU_TYPES = ("T4", "L4", "A10G", "A100", "A100-40GB", "A100-80GB", "L40S", "H100", "H200", "B200")
_GPU_ALIASES = {"A10": "A10G"}
_GPU_FORMS = (
    'a type ("T4", "L4", "A10G", "A100", "A100-40GB", "A100-80GB", "L40S", "H100", "H200", "B200"), '
    'with an optional count from 1 to 8 ("H100:8"; up to 4 for A10G), "H100!" to forbid upgrades, "any" (optionally "any:2"), '
    "or a list of these in order of preference"
)
_GPU_RE = re.compile(r"^(?P<type>[A-Za-z0-9-]+?)(?P<strict>!)?(?::(?P<count>-?[0-9]+))?$", re.ASCII)


def _number(field: str, value: object, *, allow_tuple: bool) -> tuple[float, float | None]:
    if allow_tuple and isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidError(f"{field} must be a number or a (request, limit) pair, got {value!r}")
        request, limit = (_number(field, v, allow_tuple=False)[0] for v in value)
        if limit < request:
            raise InvalidError(f"{field} limit ({limit}) must be at least the request ({request})")
        return request, limit
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidError(f"{field} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InvalidError(f"{field} must be a finite number, got {str(value)[:40]}")
    return number, None


def validate_cpu(value: object) -> tuple[float, float | None]:
    """CPU cores, fractional allowed: `cpu=0.5` or `cpu=(request, limit)`."""
    request, limit = _number("cpu", value, allow_tuple=True)
    for v in (request, limit):
        if v is not None and not (0 < v <= MAX_CPU):
            raise InvalidError(f"cpu must be more than 0 and at most {MAX_CPU:g} cores, got {v:g}")
    return request, limit


def validate_memory(value: object) -> tuple[int, int | None]:
    """Memory in MiB: `memory=1024` or `memory=(request, limit)`."""
    request, limit = _number("memory", value, allow_tuple=True)
    for v in (request, limit):
        if v is not None and (v != int(v) or not (MIN_MEMORY <= v <= MAX_MEMORY)):
            raise InvalidError(
                f"memory must be a whole number of MiB from {MIN_MEMORY} to {MAX_MEMORY}, got {v:g}"
            )
    return int(request), (int(limit) if limit is not None else None)


def validate_timeout(value: object) -> int:
    """Seconds per attempt, from 1 s to 24 h."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidError(f"timeout must be a whole number of seconds, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise InvalidError(f"timeout must be a whole number of seconds, got {value!r}")
    if not (MIN_TIMEOUT <= value <= MAX_TIMEOUT):
        raise InvalidError(f"timeout must be from {MIN_TIMEOUT} to {MAX_TIMEOUT} seconds (24 h), got {value}")
    return int(value)


def _parse_one_gpu(spec: object) -> str:
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidError(f"gpu must be {_GPU_FORMS}; got {spec!r}")
    m = _GPU_RE.match(spec.strip())
    if not m:
        raise InvalidError(f"gpu {spec!r} is not valid: use {_GPU_FORMS}")
    kind = m["type"].upper()
    kind = _GPU_ALIASES.get(kind, kind)
    if kind != "ANY" and kind not in GPU_TYPES:
        raise InvalidError(f"unknown gpu type {m['type']!r}: use {_GPU_FORMS}")
    if m["strict"] and kind != "H100":
        raise InvalidError(
            f"gpu {spec!r}: the '!' (no upgrade) suffix applies to H100 only; use {_GPU_FORMS}"
        )
    count = int(m["count"]) if m["count"] is not None else 1
    most = GPU_MAX_COUNTS.get(kind, MAX_GPU_COUNT)
    if not (1 <= count <= most):
        raise InvalidError(f"gpu {spec!r}: the count must be from 1 to {most}; use {_GPU_FORMS}")
    name = "any" if kind == "ANY" else kind
    return f"{name}{'!' if m['strict'] else ''}" + (f":{count}" if count != 1 else "")


def parse_gpu(value: object) -> list[str]:
    """Normalise a GPU request to a list of specs in order of preference ([] for no GPU)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        if not value:
            raise InvalidError(f"gpu fallback list is empty: use {_GPU_FORMS}")
        return [_parse_one_gpu(v) for v in value]
    return [_parse_one_gpu(value)]


MAX_RETRIES = 10
MAX_CONTAINERS = 1000


def validate_retries(value: object) -> dict[str, Any]:
    """`retries=N` or a Retries policy as a dict; returns {max_retries, backoff_coefficient, initial_delay, max_delay}."""
    if value is None:
        value = 0
    if isinstance(value, bool):
        raise InvalidError(f"retries must be a whole number from 0 to {MAX_RETRIES} or skylift.Retries(...)")
    if isinstance(value, int):
        value = {"max_retries": value, "backoff_coefficient": 2.0, "initial_delay": 1.0, "max_delay": 60.0}
    if not isinstance(value, dict):
        raise InvalidError(f"retries must be a whole number from 0 to {MAX_RETRIES} or skylift.Retries(...)")
    policy = {
        "max_retries": value.get("max_retries", 0),
        "backoff_coefficient": float(value.get("backoff_coefficient", 2.0)),
        "initial_delay": float(value.get("initial_delay", 1.0)),
        "max_delay": float(value.get("max_delay", 60.0)),
    }
    if (
        isinstance(policy["max_retries"], bool)
        or not isinstance(policy["max_retries"], int)
        or not (0 <= policy["max_retries"] <= MAX_RETRIES)
    ):
        raise InvalidError(
            f"retries (max_retries) must be from 0 to {MAX_RETRIES}, got {policy['max_retries']!r}"
        )
    if not 1.0 <= policy["backoff_coefficient"] <= 10.0:
        raise InvalidError(
            f"backoff_coefficient must be from 1.0 to 10.0, got {policy['backoff_coefficient']:g}"
        )
    if not 0.0 <= policy["initial_delay"] <= 60.0:
        raise InvalidError(f"initial_delay must be from 0 to 60 seconds, got {policy['initial_delay']:g}")
    if not 1.0 <= policy["max_delay"] <= 60.0:
        raise InvalidError(f"max_delay must be from 1 to 60 seconds, got {policy['max_delay']:g}")
    return policy


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (0 <= value <= MAX_CONTAINERS):
        raise InvalidError(f"{name} must be a whole number from 0 to {MAX_CONTAINERS}, got {value!r}")
    return value


def validate_scaling(
    *,
    min_containers: int | None = 0,
    max_containers: int | None = None,
    buffer_containers: int | None = 0,
    max_inputs: int | None = None,
) -> dict[str, int | None]:
    """The autoscaler's knobs, with Modal's rules: max ≥ 1 and ≥ min."""
    lo = _count("min_containers", min_containers or 0)
    hi = None if max_containers is None else _count("max_containers", max_containers)
    buffer = _count("buffer_containers", buffer_containers or 0)
    if hi is not None and hi < 1:
        raise InvalidError("max_containers must be at least 1 (or None for no limit)")
    if hi is not None and hi < lo:
        raise InvalidError(f"max_containers ({hi}) cannot be less than min_containers ({lo})")
    if max_inputs is not None and (
        isinstance(max_inputs, bool) or not isinstance(max_inputs, int) or max_inputs < 1
    ):
        raise InvalidError(f"max_inputs must be a whole number of at least 1, got {max_inputs!r}")
    return {"min_containers": lo, "max_containers": hi, "buffer_containers": buffer, "max_inputs": max_inputs}
