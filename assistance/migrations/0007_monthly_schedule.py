"""Schedule the monthly screening of the whole county in Celery beat (settings SCREENING_DAY/SCREENING_HOUR,
default the 1st at 02:00). The schedule is a database row, so the county can change it in the admin."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "每月摸排（全县）"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(settings.SCREENING_HOUR),
        day_of_month=str(settings.SCREENING_DAY),
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "assistance.screen_county", "crontab": crontab, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0006_ledger_screened_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
