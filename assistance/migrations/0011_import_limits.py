"""The import limits (``imports.max_rows``, ``imports.max_columns``) every uploaded sheet is checked against
before its cells are read (``core.spreadsheets``)."""

from django.db import migrations

from assistance.reference import load_default_parameters

KEYS = ("imports.max_rows", "imports.max_columns")


def load(apps, schema_editor):
    load_default_parameters(apps.get_model("assistance", "PolicyParameter"), KEYS)


def unload(apps, schema_editor):
    apps.get_model("assistance", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0010_input_bounds")]
    operations = [migrations.RunPython(load, unload)]
