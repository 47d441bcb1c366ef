"""The functions calls.py runs. Imported by the benchmark and, inside containers, by the runtime.

Keep this module tiny and free of imports beyond `skylift` and the standard library: a container
imports it from the uploaded source on every start.
"""

import time

import skylift

# Two apps, so that each measurement has only its own containers: the trivial function keeps two
# warm containers (the counterpart of Celery's and Ray's two worker processes); the sleeping one
# scales from zero to ten.
app = skylift.App("bench-calls")
sleep_app = skylift.App("bench-calls-sleep")


@app.function(min_containers=2, max_containers=2)
def inc(x):
    return x + 1


@sleep_app.function(max_containers=10)
def sleep1(x):
    time.sleep(1)
    return x
