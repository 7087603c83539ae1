"""Load the county's 39 townships (乡镇/街道) from cases/data/pengshui_townships.csv."""

from django.db import migrations

from cases.reference import load_townships


def load(apps, schema_editor):
    load_townships(apps.get_model("cases", "Township"))


def unload(apps, schema_editor):
    apps.get_model("cases", "Township").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
