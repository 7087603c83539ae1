"""Seed the working-day calendar with the State Council's holidays and make-up working days for every year the
installed ``chinesecalendar`` package knows (``manage.py load_official_calendar`` does the same after an update).
Dates the county already entered stay as they are."""

from django.db import migrations


def load(apps, schema_editor):
    from cases.calendar import sync_official_days

    sync_official_days(apps.get_model("cases", "CalendarDay"))


def unload(apps, schema_editor):
    apps.get_model("cases", "CalendarDay").objects.filter(source="official").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_calendarday_source"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
