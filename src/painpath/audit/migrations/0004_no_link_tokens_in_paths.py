# Audit entries written on a patient's link stored the link's token in their path, and whoever
# reads the log could act as the patient with it. The token is replaced by "…" in every stored
# path (the entry keeps naming the link by its object id). This rewrites only that part of the
# path: nothing else of an entry changes.

import re

from django.db import migrations

TOKEN = re.compile(r"(/q/p/)[^/?#]+")


def scrub(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    for entry in entry_model.objects.filter(path__contains="/q/p/").iterator(chunk_size=2000):
        clean = TOKEN.sub(r"\1…", entry.path)
        if clean != entry.path:
            entry_model.objects.filter(pk=entry.pk).update(path=clean)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_event_codes"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
