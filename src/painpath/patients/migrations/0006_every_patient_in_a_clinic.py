# Every patient record belongs to a clinic: records made before clinics were tenants go to a
# clinic created for them ("default"; rename it in the clinic's settings). Clinics get their
# own default link validity and questionnaire set per region.

import django.db.models.deletion
from django.db import migrations, models


def patients_into_clinics(apps, schema_editor):
    clinic_model = apps.get_model("patients", "Clinic")
    patient_model = apps.get_model("patients", "Patient")
    orphans = patient_model.objects.filter(clinic__isnull=True)
    if orphans.exists():
        default, _ = clinic_model.objects.get_or_create(
            code="default", defaults={"name": "Default clinic"}
        )
        orphans.update(clinic=default)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_tenancy"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="link_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Empty: the installation's default.",
                null=True,
                verbose_name="questionnaire links valid for (days)",
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="questionnaire_sets",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="questionnaires per region"
            ),
        ),
        migrations.RunPython(patients_into_clinics, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="patient",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="patients",
                to="patients.clinic",
                verbose_name="clinic",
            ),
        ),
    ]
