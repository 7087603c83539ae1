"""The parameters of the special groups and of eldercare (policy.md §15; seed §三(三)2–4)."""

from django.db import migrations

from assistance.reference import load_default_parameters

KEYS = (
    "elderly.min_age",
    "children.left_behind_max_age",
    "eldercare.cook_certificate_deadline",
    "eldercare.certificate_warn_days",
    "eldercare.night_patrol_start_hour",
    "eldercare.night_patrol_end_hour",
    "eldercare.land_per_capita_m2",
)


def load(apps, schema_editor):
    load_default_parameters(apps.get_model("core", "PolicyParameter"), KEYS)


def unload(apps, schema_editor):
    apps.get_model("core", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0020_care_job_kinds"), ("core", "0003_policy_parameters")]
    operations = [migrations.RunPython(load, unload)]
