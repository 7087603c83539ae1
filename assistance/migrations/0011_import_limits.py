"""The import limits (``imports.max_rows``, ``imports.max_columns``) every uploaded sheet is checked against
before its cells are read (``core.spreadsheets``)."""

from decimal import Decimal

from django.db import migrations

from assistance.policy.defaults import DEFAULT_PARAMETERS

KEYS = ("imports.max_rows", "imports.max_columns")


def load(apps, schema_editor):
    parameter = apps.get_model("assistance", "PolicyParameter")
    parameter.objects.bulk_create(
        [
            parameter(
                key=v.key,
                value=Decimal(v.value),
                effective_from=v.effective_from,
                source=v.source,
                confirmed=v.confirmed,
                note=v.note,
            )
            for v in DEFAULT_PARAMETERS
            if v.key in KEYS
        ],
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    apps.get_model("assistance", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0010_input_bounds")]
    operations = [migrations.RunPython(load, unload)]
