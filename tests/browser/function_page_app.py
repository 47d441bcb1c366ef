"""An app the function page's browser tests run in real containers."""

from __future__ import annotations

import time

import skylift

app = skylift.App("browser-functions")


@app.function()
def square(x: int) -> int:
    return x * x


@app.function()
def sleepy(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


@app.function()
def loud_failure(message: str) -> None:
    print(f"about to fail: {message}")
    raise RuntimeError(message)
