"""The policy parameter table moves from assistance to core (below cases, so every layer reads it directly). The
tables stay as they are: the models are created here in the migration state only; the history triggers are
installed again under the new model's names (assistance 0013 drops the old ones)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_purge_schedule"),
        ("assistance", "0012_export_parameters"),
        ("pghistory", "0007_auto_20250421_0444"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PolicyParameter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(db_index=True, max_length=80, verbose_name="参数")),
                        (
                            "value",
                            models.DecimalField(
                                blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="数值"
                            ),
                        ),
                        ("value_json", models.JSONField(blank=True, null=True, verbose_name="表格/列表值")),
                        ("effective_from", models.DateField(verbose_name="生效日期")),
                        (
                            "effective_to",
                            models.DateField(
                                blank=True, help_text="含当日；空表示仍在生效。", null=True, verbose_name="失效日期"
                            ),
                        ),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="依据")),
                        (
                            "confirmed",
                            models.BooleanField(
                                default=False, help_text="未确认的参数在界面上显示“待确认”。", verbose_name="已确认"
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="说明")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="录入人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "政策参数",
                        "verbose_name_plural": "政策参数",
                        "db_table": "assistance_policyparameter",
                        "ordering": ["key", "effective_from"],
                    },
                ),
                migrations.CreateModel(
                    name="PolicyParameterEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("id", models.BigIntegerField()),
                        ("key", models.CharField(max_length=80, verbose_name="参数")),
                        (
                            "value",
                            models.DecimalField(
                                blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="数值"
                            ),
                        ),
                        ("value_json", models.JSONField(blank=True, null=True, verbose_name="表格/列表值")),
                        ("effective_from", models.DateField(verbose_name="生效日期")),
                        (
                            "effective_to",
                            models.DateField(
                                blank=True, help_text="含当日；空表示仍在生效。", null=True, verbose_name="失效日期"
                            ),
                        ),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="依据")),
                        (
                            "confirmed",
                            models.BooleanField(
                                default=False, help_text="未确认的参数在界面上显示“待确认”。", verbose_name="已确认"
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="说明")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="录入人",
                            ),
                        ),
                        (
                            "pgh_context",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="pghistory.context",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="core.policyparameter",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assistance_policyparameterevent",
                        "abstract": False,
                    },
                ),
                migrations.AddConstraint(
                    model_name="policyparameter",
                    constraint=models.UniqueConstraint(
                        fields=("key", "effective_from"), name="parameter_one_version_per_day"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="policyparameter",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("value__isnull", False), ("value_json__isnull", True)),
                            models.Q(("value__isnull", True), ("value_json__isnull", False)),
                            _connector="OR",
                        ),
                        name="parameter_has_one_value",
                        violation_error_message="数值和表格值必须且只能填写一个。",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="policyparameter",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("effective_to__isnull", True),
                            ("effective_to__gte", models.F("effective_from")),
                            _connector="OR",
                        ),
                        name="parameter_period_ordered",
                        violation_error_message="失效日期不能早于生效日期。",
                    ),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="policyparameter",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "assistance_policyparameterevent" ("confirmed", "created_at", "created_by_id", "effective_from", "effective_to", "id", "key", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "value", "value_json") VALUES (NEW."confirmed", NEW."created_at", NEW."created_by_id", NEW."effective_from", NEW."effective_to", NEW."id", NEW."key", NEW."note", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."source", NEW."value", NEW."value_json"); RETURN NULL;',
                    hash="440a7b18ace183a9da893b0f95c33452cb4d2371",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_43005",
                    table="assistance_policyparameter",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="policyparameter",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "assistance_policyparameterevent" ("confirmed", "created_at", "created_by_id", "effective_from", "effective_to", "id", "key", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "value", "value_json") VALUES (NEW."confirmed", NEW."created_at", NEW."created_by_id", NEW."effective_from", NEW."effective_to", NEW."id", NEW."key", NEW."note", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."source", NEW."value", NEW."value_json"); RETURN NULL;',
                    hash="10e6bc4579adbd1ab024a0f56798a15e5e15d051",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_43d14",
                    table="assistance_policyparameter",
                    when="AFTER",
                ),
            ),
        ),
    ]
