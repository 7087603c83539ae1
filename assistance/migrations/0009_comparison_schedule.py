"""Schedule the monthly registry comparison of the whole county after the screening (settings SCREENING_DAY,
COMPARISON_HOUR; default the 1st at 04:00)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "每月信息比对（全县）"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(settings.COMPARISON_HOUR),
        day_of_month=str(settings.SCREENING_DAY),
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "assistance.compare_county", "crontab": crontab, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0008_comparison_flags"), ("assistance", "0007_monthly_schedule")]
    operations = [migrations.RunPython(schedule, unschedule)]
