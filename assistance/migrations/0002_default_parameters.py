"""Load the default policy parameters (assistance/policy/defaults.py) with their effective periods."""

from django.db import migrations

from assistance.reference import load_default_parameters


def load(apps, schema_editor):
    load_default_parameters(apps.get_model("assistance", "PolicyParameter"))


def unload(apps, schema_editor):
    apps.get_model("assistance", "PolicyParameter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
