"""What eldercare starts with: the inspection checklist seeded with the GB 38600-2019 headings
(``eldercare.models.safety.seed_checklist``), 高谷镇 marked as the 集中托养 pilot
(``eldercare.services.people.seed_pilot_townships``), and every 集中供养 特困 enrollment's institution name turned
into a residence in a nursing home made from the payments' institution accounts
(``eldercare.services.homes.link_institutions``): names that match no home stop the migration with their list."""

from django.db import migrations


def forwards(apps, schema_editor):
    from eldercare.models.safety import seed_checklist
    from eldercare.services.homes import link_institutions
    from eldercare.services.people import seed_pilot_townships

    seed_checklist(apps.get_model("eldercare", "ChecklistItem"))
    seed_pilot_townships(apps.get_model("cases", "Township"), apps.get_model("eldercare", "TownshipCareSetting"))
    link_institutions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("eldercare", "0001_initial"),
        ("payments", "0006_back_pay_run_household"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
