"""`manage.py expire_outputs`: drop results past the 7-day retention now (Celery beat runs it every 10 min)."""

from django.core.management.base import BaseCommand

from functions import services


class Command(BaseCommand):
    help = "Expire call outputs older than the retention period."

    def handle(self, *args, **options):
        total = 0
        while count := services.outputs_expire():
            total += count
        self.stdout.write(f"expired {total} outputs\n")
