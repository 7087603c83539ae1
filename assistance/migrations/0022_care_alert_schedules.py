"""Schedule the monthly alert jobs of the care apps in Celery beat: on the 1st at 03:00, after the screening, each
app's alerts of the month just ended for every township (``assistance.start_county_job``). Database rows, so the
county can change them in the admin."""

import json

from django.conf import settings
from django.db import migrations

TASKS = {"养老服务提醒（全县）": "eldercare", "儿童关爱提醒（全县）": "childcare"}


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_month="1", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE
    )
    for name, kind in TASKS.items():
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": "assistance.start_county_job",
                "kwargs": json.dumps({"kind": kind}),
                "crontab": crontab,
                "enabled": True,
            },
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=TASKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0021_care_parameters"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
