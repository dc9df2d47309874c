# Audit entries name their event with a namespaced code (``pathway.session.logged``) beside
# the kind of action. Entries written before carry no code: they get one derived from what
# they recorded (``<object type>.<action>``, or the follow-up event they named), so that a
# search by code finds them too. Nothing else in an entry changes.

from django.db import migrations, models


def backfill(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    for entry in entry_model.objects.filter(code="").iterator(chunk_size=2000):
        event = entry.detail.get("event") if isinstance(entry.detail, dict) else None
        if entry.object_type == "patients.patient" and entry.action == "view":
            code = "patients.viewed"  # the patient page: the worklist reads these back
        elif event:
            code = str(event)
        else:
            code = f"{entry.object_type or 'painpath'}.{entry.action}"
        entry_model.objects.filter(pk=entry.pk).update(code=code[:80])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_plain_words_labels"),
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="code",
            field=models.CharField(blank=True, max_length=80, verbose_name="event"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["patient", "code", "at"], name="audit_patient_code_at"),
        ),
    ]
