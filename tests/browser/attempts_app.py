"""Functions whose attempts end in different ways, for the call page's attempt history."""

from __future__ import annotations

import os
import time

import skylift

app = skylift.App("it-attempts")


# One container, so that its retries run where the count of attempts is kept (its /tmp).
@app.function(
    retries=skylift.Retries(max_retries=2, initial_delay=0.1, backoff_coefficient=1.0), max_containers=1
)
def flaky(key: str) -> int:
    """Raises on its first two attempts for `key`, returns on the third."""
    path = f"/tmp/flaky-{key}"
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(count))
    if count < 3:
        raise ValueError(f"attempt {count} of {key} fails")
    return count


@app.function(retries=skylift.Retries(max_retries=1, initial_delay=0.1, backoff_coefficient=1.0))
def survivor(runs: skylift.Dict, key: str) -> str:
    """Waits on its first attempt (for the test to kill its container); returns on the next."""
    count = runs.get(key, 0) + 1
    runs[key] = count
    if count == 1:
        print(f"first attempt of {key}", flush=True)
        time.sleep(300)
    return f"attempt {count}"
