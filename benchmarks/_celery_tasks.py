"""The Celery side of calls.py: one task, `x + 1`, with Redis as broker and result backend.

The worker: `celery -A _celery_tasks worker -c 2 -P prefork` (two processes, like Skylift's two
containers and Ray's num_cpus=2), with BENCH_REDIS_URL pointing at a throwaway redis-server.
Celery's defaults otherwise (JSON serializer, prefetch multiplier 4, acks on receipt).
"""

import os

from celery import Celery

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

app = Celery("skylift_bench", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(result_expires=3600, broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)


@app.task(name="bench.add1")
def add1(x):
    return x + 1
