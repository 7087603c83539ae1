"""Schedule the monthly timeliness check (policy.md §14: paid by the 10th): on the 11th at 02:00 it checks the
previous month (the task with no argument checks the previous month)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "每月发放及时性检查"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_month="11", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "payments.check_timeliness", "crontab": crontab, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_line_back_pay_run"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
