"""The input bounds (``input.max_amount``, ``input.max_year``) every form and API call is checked against."""

from django.db import migrations

from assistance.reference import load_default_parameters

KEYS = ("input.max_amount", "input.max_year")


def load(apps, schema_editor):
    load_default_parameters(apps.get_model("assistance", "PolicyParameter"), KEYS)


def unload(apps, schema_editor):
    apps.get_model("assistance", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0009_comparison_schedule")]
    operations = [migrations.RunPython(load, unload)]
