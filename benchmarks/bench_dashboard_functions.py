"""The functions dashboard.py uses: `noop` is charted (its calls are written into the database, never
run); `chatty` prints lines at a set rate for the live log tail's figure."""

import time

import skylift

app = skylift.App("bench-dashboard")


@app.function()
def noop(x):
    return x


@app.function()
def chatty(lines: int, per_second: int) -> list[float]:
    """Prints `lines` numbered lines, line i at start + i / per_second (it sleeps when ahead, never
    skips when behind); returns [time of the first line, time of the last] on this machine's clock."""
    start = time.time()
    for i in range(lines):
        ahead = start + i / per_second - time.time()
        if ahead > 0.001:
            time.sleep(ahead)
        print(f"tail {i:06d} {time.time():.6f}", flush=True)
    return [start, time.time()]
