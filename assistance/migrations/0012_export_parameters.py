"""The export centre's parameters (``exports.sync_max_rows``, ``exports.keep_days``)."""

from decimal import Decimal

from django.db import migrations

from assistance.policy.defaults import DEFAULT_PARAMETERS

KEYS = ("exports.sync_max_rows", "exports.keep_days")


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
    dependencies = [("assistance", "0011_import_limits")]
    operations = [migrations.RunPython(load, unload)]
