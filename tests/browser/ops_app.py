"""An app for the Logs, Containers and Builds pages' browser tests: a function that prints as it
runs, and one whose image has a step of its own (a real build)."""

from __future__ import annotations

import os
import time

import skylift

app = skylift.App("browser-ops")

# A step unique to each test session: its image is built, not found in the cache.
built = skylift.Image.debian_slim().run_commands(
    f"echo {os.environ.get('OPS_BUILD_MARK', 'mark')} > /mark.txt"
)


@app.function()
def chatter(token: str, lines: int) -> int:
    for i in range(lines):
        print(f"{token} line {i}", flush=True)
        time.sleep(0.2)
    return lines


@app.function(image=built)
def marked() -> str:
    with open("/mark.txt") as f:
        return f.read().strip()
