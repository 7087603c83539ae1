"""The policy parameter table moves to core (see core 0003): the old history triggers are dropped (core 0003
installed them again under the new names), then the models leave this app's migration state; the tables, their
rows and the history stay."""

import django.db.models.deletion
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0012_export_parameters"),
        ("core", "0003_policy_parameters"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="policyparameter", name="insert_insert"),
        pgtrigger.migrations.RemoveTrigger(model_name="policyparameter", name="update_update"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recomputemark",
                    name="version",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recompute_marks",
                        to="core.policyparameter",
                        verbose_name="参数版本",
                    ),
                ),
                migrations.DeleteModel(name="PolicyParameterEvent"),
                migrations.DeleteModel(name="PolicyParameter"),
            ],
        ),
    ]
