"""An app whose one function burns CPU for a while, for the metering tests."""

from __future__ import annotations

import os
import time

import skylift

app = skylift.App("it-billing")


@app.function(cpu=0.25, memory=256, scaledown_window=2)
def burn(cpu_seconds: float) -> str:
    start = time.process_time()
    while time.process_time() - start < cpu_seconds:
        pass
    return os.environ["SKYLIFT_TASK_ID"]
