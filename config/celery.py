"""The Celery app. Workers and beat read the same settings (and so the same broker) as the web."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pengshui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_services(**_kwargs: object) -> None:
    from config.startup import check_services

    check_services()
