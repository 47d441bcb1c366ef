"""Apps whose functions call other functions from inside their containers (issue 12).

`app` runs ephemerally; `library` is deployed, and `app`'s functions look it up by name.
"""

from __future__ import annotations

import time

import skylift

app = skylift.App("it-container-calls")
library = skylift.App("it-container-calls-library")
LIBRARY = "it-container-calls-library"


@library.function()
def triple(x: int) -> int:
    return 3 * x


@app.function()
def double(x: int) -> int:
    return 2 * x


@app.function()
def countdown(n: int):
    yield from range(n, 0, -1)
    if n < 0:
        raise ValueError("a countdown from below zero")


@app.function()
def streams(n: int) -> list:
    """Reads a generator's values as they come (.remote_gen) from inside its container, and its error."""
    values = list(countdown.remote_gen(n))
    try:
        list(countdown.remote_gen(-1))
    except ValueError as exc:
        values.append(str(exc))
    return values


@app.function()
def combine(n: int) -> dict:
    """Calls a function of its own app with .remote and .map."""
    return {"remote": double.remote(n), "map": list(double.map(range(n)))}


@app.function()
def via_library(x: int) -> int:
    """Calls a function looked up from a deployed app, and spawns it."""
    triple_fn = skylift.Function.from_name(LIBRARY, "triple")
    spawned = triple_fn.spawn(x + 1)
    return triple_fn.remote(x) + spawned.get()


@app.function()
def sleeper(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@app.function()
def waits_on_child(seconds: float) -> float:
    return sleeper.remote(seconds)


@app.function(timeout=3)
def impatient(seconds: float) -> float:
    """Times out while waiting on a slow call it made."""
    return sleeper.remote(seconds)
