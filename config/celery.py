"""Celery app. Queues: `default` for bookkeeping, `gpu` for model work (MH-1)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("verifier_ops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
