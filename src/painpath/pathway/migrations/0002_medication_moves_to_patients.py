# Medication moved to the patients app, beside imaging: only Django's idea of which app owns
# the model changes; the table (pathway_medication) and its rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Medication")],
            database_operations=[],
        ),
    ]
