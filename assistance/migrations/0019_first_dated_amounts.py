"""Every existing enrollment's monthly amount becomes its first dated amount (核定), from its start month."""

from django.db import migrations


def first_amounts(apps, schema_editor):
    Enrollment = apps.get_model("assistance", "Enrollment")
    EnrollmentAmount = apps.get_model("assistance", "EnrollmentAmount")
    rows = (
        EnrollmentAmount(
            enrollment_id=pk,
            from_month=start,
            priced_month=start,
            amount=amount,
            cause="initial",
            determination_id=determination,
        )
        for pk, start, amount, determination in Enrollment.objects.filter(amounts__isnull=True).values_list(
            "pk", "start_month", "monthly_amount", "determination_id"
        )
    )
    EnrollmentAmount.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("assistance", "0018_dated_amounts")]

    operations = [migrations.RunPython(first_amounts, migrations.RunPython.noop)]
