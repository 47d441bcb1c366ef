"""The call graph of a function call, as Modal's `modal.call_graph`: `FunctionCall.get_call_graph()`.

A function running in a container that calls others (`.remote`, `.map`, `.spawn`) makes child
calls of the input it runs; the graph shows, from the root call down, each input with its status
and the inputs of the calls it made.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["InputInfo", "InputStatus"]


class InputStatus(str, enum.Enum):  # noqa: UP042 - StrEnum is 3.11+, the SDK runs on 3.10
    """Where an input stands. Modal's names (SUCCESS, FAILURE, TIMEOUT) are aliases of Skylift's."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    TERMINATED = "terminated"
    SUCCESS = "succeeded"
    FAILURE = "failed"
    TIMEOUT = "timed_out"


@dataclass
class InputInfo:
    """One input of the graph, and the inputs of the calls it made from its container."""

    input_id: str
    function_call_id: str
    task_id: str
    status: InputStatus
    function_name: str
    module_name: str
    children: list[InputInfo] = field(default_factory=list)

    @classmethod
    def from_dict(cls, node: dict[str, Any]) -> InputInfo:
        return cls(
            input_id=str(node["input_id"]),
            function_call_id=str(node["function_call_id"]),
            task_id=str(node.get("task_id") or ""),
            status=InputStatus(node["status"]),
            function_name=str(node.get("function_name", "")),
            module_name=str(node.get("module_name", "")),
            children=[cls.from_dict(child) for child in node.get("children") or []],
        )
