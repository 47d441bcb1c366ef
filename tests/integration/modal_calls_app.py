"""A program written against Modal's documented API (`import skylift as modal`), run on Skylift by
tests/integration/test_modal_calls.py: how Modal programs call functions and classes."""

from __future__ import annotations

import os

import skylift as modal

app = modal.App("it-modal-calls")


@app.function()
def tagged(x: int, *, tag: str, times: int = 1) -> str:
    return f"{tag}{x * times}"


@app.function(single_use_containers=True)
def container_id() -> str:
    return os.environ["SKYLIFT_TASK_ID"]
