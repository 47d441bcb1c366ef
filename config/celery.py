"""The Celery app: settings come from Django (CELERY_*), tasks from each app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("skylift")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
