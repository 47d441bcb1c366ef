"""The function the partition test (F9) runs: deterministic, and a little slower than a blink."""

from __future__ import annotations

import hashlib
import os
import time

import skylift

app = skylift.App("it-partition")


@app.function()
def digest_after(x: int, seconds: float) -> dict:
    time.sleep(seconds)
    return {"digest": hashlib.sha256(str(x).encode()).hexdigest(), "task": os.environ["SKYLIFT_TASK_ID"]}
