"""The export centre's parameters (``exports.sync_max_rows``, ``exports.keep_days``)."""

from django.db import migrations

from assistance.reference import load_default_parameters

KEYS = ("exports.sync_max_rows", "exports.keep_days")


def load(apps, schema_editor):
    load_default_parameters(apps.get_model("assistance", "PolicyParameter"), KEYS)


def unload(apps, schema_editor):
    apps.get_model("assistance", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0011_import_limits")]
    operations = [migrations.RunPython(load, unload)]
