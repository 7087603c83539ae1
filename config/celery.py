"""The Celery app. Workers and beat read the same settings (and so the same broker) as the web."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pengshui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_database(**_kwargs: object) -> None:
    from django.db import connections

    from config.startup import exit_unless_database_reachable

    exit_unless_database_reachable(connections["default"].settings_dict)
