"""The functions the benchmarks run. Imported by the benchmark and, inside containers, by the runtime.

Keep this module tiny and free of imports beyond `skylift`: a container imports it from the
uploaded source on every cold start.
"""

import skylift

app = skylift.App("bench-foundation")


@app.function()
def noop(x=None):
    return x
