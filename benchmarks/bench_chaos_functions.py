"""The function the chaos bench runs. Imported by the bench and, inside containers, by the runtime.

Deterministic: `work(x)` is sha256 of x after a short pause that depends only on x, so any
attempt of any input gives the same result and the ledger can check every one.
"""

import hashlib
import time

import skylift

app = skylift.App("bench-chaos")


@app.function(retries=skylift.Retries(max_retries=3, initial_delay=0.2), max_containers=6, timeout=60)
def work(x):
    time.sleep((x % 7) * 0.01)
    return hashlib.sha256(str(x).encode()).hexdigest()
