# Medication moved here from the pathway app: the model's state only; its table
# (pathway_medication) and rows are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_clinic"),
        ("pathway", "0002_medication_moves_to_patients"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Medication",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=60, verbose_name="drug")),
                        (
                            "anticoagulant",
                            models.BooleanField(default=False, verbose_name="anticoagulant"),
                        ),
                        (
                            "pause_agreed_days",
                            models.PositiveIntegerField(
                                blank=True, null=True, verbose_name="agreed pause, days"
                            ),
                        ),
                        (
                            "episode",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="medications",
                                to="patients.episode",
                            ),
                        ),
                    ],
                    options={"db_table": "pathway_medication"},
                ),
            ],
            database_operations=[],
        ),
    ]
