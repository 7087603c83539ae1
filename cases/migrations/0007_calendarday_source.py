from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_search_tuning"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarday",
            name="source",
            field=models.CharField(
                choices=[("official", "国务院公布"), ("county", "本县设定")],
                default="county",
                max_length=8,
                verbose_name="来源",
            ),
        ),
    ]
