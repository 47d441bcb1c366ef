"""`manage.py expire_outputs`: expire results past the 7-day retention now, the whole backlog.

Celery beat runs the same job every 10 minutes (functions.tasks.expire_outputs).
"""

import time

from django.core.management.base import BaseCommand

from functions import retention


class Command(BaseCommand):
    help = "Expire call outputs older than the retention period, and the blobs only they used."

    def handle(self, *args, **options):
        rows = blobs = 0
        started = time.monotonic()
        while True:
            run = retention.outputs_expire()
            rows, blobs = rows + run.rows, blobs + run.blobs
            if run.done:
                break
        seconds = time.monotonic() - started
        self.stdout.write(
            f"expired {rows} outputs, removed {blobs} blobs in {seconds:.2f} s "
            f"({rows / seconds if seconds else 0:.0f} rows/s)\n"
        )
