"""Schedule the daily deletion of expired export files (``exports.keep_days``): every day at 03:30."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "每日清理过期导出文件"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "core.purge_exports", "crontab": crontab, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_export_centre"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
