"""`skylift.Retries`: how often, and how soon, a failed input runs again."""

from __future__ import annotations

from typing import Any

from .contract.resources import validate_retries

__all__ = ["Retries"]


class Retries:
    """Retry policy: `Retries(max_retries=3, backoff_coefficient=2.0, initial_delay=1.0, max_delay=60.0)`.

    Args:
        max_retries: Retries after the first attempt (0 to 10).
        backoff_coefficient: Each delay is the previous one times this (1.0 to 10.0).
        initial_delay: Seconds before the first retry (0 to 60).
        max_delay: Cap on any delay, in seconds (1 to 60).
    """

    def __init__(
        self,
        *,
        max_retries: int,
        backoff_coefficient: float = 2.0,
        initial_delay: float = 1.0,
        max_delay: float = 60.0,
    ):
        self.policy = validate_retries(
            {
                "max_retries": max_retries,
                "backoff_coefficient": backoff_coefficient,
                "initial_delay": initial_delay,
                "max_delay": max_delay,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.policy)

    def __repr__(self) -> str:
        return "Retries({})".format(", ".join(f"{k}={v!r}" for k, v in self.policy.items()))
