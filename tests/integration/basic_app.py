"""An app the integration tests run in real containers."""

from __future__ import annotations

import os
import threading

import skylift

app = skylift.App("it-basic")


class CustomError(Exception):
    pass


@app.function()
def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x


@app.function()
def whoami() -> dict:
    return {
        "task_id": os.environ.get("SKYLIFT_TASK_ID"),
        "is_local": skylift.is_local(),
        "remote": os.environ.get("SKYLIFT_IS_REMOTE"),
    }


@app.function()
def fails(message: str) -> None:
    raise CustomError(message)


@app.function()
def returns_lock() -> object:
    return threading.Lock()


@app.function()
def add(a: int, b: int = 0) -> int:
    return a + b


@app.function(gpu="T4")
def needs_gpu() -> str:
    return "never"


@app.function(scaledown_window=2)
def short_lived() -> str:
    return os.environ["SKYLIFT_TASK_ID"]


@app.function()
def inc(x: int) -> int:
    if x == -1:
        raise ValueError("negative one")
    return x + 1
