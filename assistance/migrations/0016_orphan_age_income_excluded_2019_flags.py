"""New parameters the rules read (``orphan.age_limit``; each income kind's ``income.excluded.<kind>`` flag,
policy.md §2), and the 2019 orphan rows marked as the table of policy.md §3 has them: the values are confirmed,
the start date is proposed (待确认), like the other 2019 standards."""

from datetime import date
from decimal import Decimal

from django.db import migrations

from assistance.policy.defaults import INCOME_EXCLUDED_KEYS, ORPHAN_AGE_KEYS
from assistance.reference import load_default_parameters

KEYS = (*ORPHAN_AGE_KEYS, *INCOME_EXCLUDED_KEYS)
D2019 = date(2019, 1, 1)
# The 2019 versions whose start date is proposed: (key, default value). Rows the county has changed are left alone.
START_PROPOSED = (("orphan.institution", Decimal(1404)), ("orphan.community", Decimal(1204)))
NOTE = "金额已确认，起始日期待确认"


def load(apps, schema_editor):
    parameter = apps.get_model("core", "PolicyParameter")
    load_default_parameters(parameter, KEYS)
    for key, value in START_PROPOSED:
        parameter.objects.filter(key=key, effective_from=D2019, value=value, confirmed=True, note="").update(
            confirmed=False, note=NOTE
        )


def unload(apps, schema_editor):
    parameter = apps.get_model("core", "PolicyParameter")
    parameter.objects.filter(key__in=KEYS).delete()
    for key, value in START_PROPOSED:
        parameter.objects.filter(key=key, effective_from=D2019, value=value, confirmed=False, note=NOTE).update(
            confirmed=True, note=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0015_comparison_entry_and_roll_fact_flags"),
        ("core", "0003_policy_parameters"),
    ]
    operations = [migrations.RunPython(load, unload)]
