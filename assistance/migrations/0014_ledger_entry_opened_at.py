"""Ledger entries carry when their finding was first raised (policy.md §13, §14: an 应保未保 entry open longer than
``comparison.open_flag_max_days`` counts against the township), and the screening's new 应保未保 categories
(两项补贴, orphan allowance, COVID relief). Existing entries are back-filled with the 1st of their month."""

import datetime
import zoneinfo

import django.db.models.functions.datetime
from django.db import migrations, models

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def back_fill(apps, schema_editor):
    LedgerEntry = apps.get_model("assistance", "LedgerEntry")
    months = LedgerEntry.objects.filter(opened_at__isnull=True).values_list("month", flat=True).distinct()
    for month in months:
        start = datetime.datetime.combine(month, datetime.time(), tzinfo=SHANGHAI)
        LedgerEntry.objects.filter(opened_at__isnull=True, month=month).update(opened_at=start)


class Migration(migrations.Migration):
    dependencies = [("assistance", "0013_policy_parameters_to_core")]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="opened_at",
            field=models.DateTimeField(null=True, verbose_name="发现时间"),
        ),
        migrations.RunPython(back_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ledgerentry",
            name="opened_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                help_text="同一事项（类别、家庭、成员）首次摸排发现的时间；重新摸排和以后月份的摸排保留它。",
                verbose_name="发现时间",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="category",
            field=models.CharField(
                choices=[
                    ("eligible_uncovered", "应保未保"),
                    ("exit_candidate", "不再符合条件（待复核退出）"),
                    ("gradual_exit_entering", "进入渐退期"),
                    ("gradual_exit_expiring", "渐退期届满"),
                    ("gradual_exit", "渐退期在册"),
                    ("single_person_candidate", "单人户施保候选"),
                    ("single_person", "单人户在册"),
                    ("tekun_candidate", "特困供养候选"),
                    ("disability_candidate", "残疾人两项补贴应保未保"),
                    ("orphan_candidate", "孤儿/事实无人抚养儿童基本生活费应保未保"),
                    ("covid_relief_candidate", "新冠患者临时救助应保未保"),
                    ("amount_change", "金额变化"),
                ],
                max_length=24,
                verbose_name="类别",
            ),
        ),
    ]
