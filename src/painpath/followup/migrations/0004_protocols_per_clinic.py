# Follow-up protocols become the clinic's own: each version written in painpath belongs to one
# clinic. Versions written before (installation-wide, applying to every clinic) are copied to
# every clinic, with their author, time and note, so every clinic's current protocol and every
# plan's version stay what they were. With no clinic at all they go to the "default" clinic
# (as patients/0006 does for patients).

import django.db.models.deletion
from django.db import migrations, models


def copy_to_every_clinic(apps, schema_editor):
    version_model = apps.get_model("followup", "ProtocolVersion")
    clinic_model = apps.get_model("patients", "Clinic")
    rows = list(version_model.objects.filter(clinic__isnull=True).order_by("id"))
    if not rows:
        return
    clinics = list(clinic_model.objects.order_by("id"))
    if not clinics:
        default, _ = clinic_model.objects.get_or_create(
            code="default", defaults={"name": "Default clinic"}
        )
        clinics = [default]
    first, others = clinics[0], clinics[1:]
    version_model.objects.filter(pk__in=[row.pk for row in rows]).update(clinic=first)
    for clinic in others:
        for row in rows:
            copy = version_model.objects.create(
                clinic=clinic,
                protocol_id=row.protocol_id,
                version=row.version,
                text=row.text,
                note=row.note,
                created_by_id=row.created_by_id,
            )
            # auto_now_add set the time of the copy: keep the change log's.
            version_model.objects.filter(pk=copy.pk).update(created_at=row.created_at)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' foreign keys now: PostgreSQL refuses to alter the table below
        # (and to create its deferred index) while their checks are still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def keep_one_per_version(apps, schema_editor):
    """Back to installation-wide: one row per protocol and version (the first clinic's)."""
    version_model = apps.get_model("followup", "ProtocolVersion")
    seen = set()
    for row in version_model.objects.order_by("id"):
        key = (row.protocol_id, row.version)
        if key in seen:
            row.delete()
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0003_protocolversion"),
        ("patients", "0007_consent"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="protocolversion",
            name="one_protocol_version_per_id",
        ),
        migrations.AddField(
            model_name="protocolversion",
            name="clinic",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="patients.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.RunPython(copy_to_every_clinic, keep_one_per_version),
        migrations.AlterField(
            model_name="protocolversion",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="patients.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AddConstraint(
            model_name="protocolversion",
            constraint=models.UniqueConstraint(
                fields=("clinic", "protocol_id", "version"),
                name="one_protocol_version_per_clinic_and_id",
            ),
        ),
    ]
