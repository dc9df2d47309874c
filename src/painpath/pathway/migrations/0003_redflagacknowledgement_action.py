# What the clinician did about a red flag (issue 10). Acknowledgements recorded before keep an
# empty action: "not recorded", never a guessed one.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0002_medication_moves_to_patients"),
    ]

    operations = [
        migrations.AddField(
            model_name="redflagacknowledgement",
            name="action",
            field=models.CharField(
                blank=True,
                choices=[
                    ("referred", "Referred for assessment"),
                    ("patient_contacted", "Patient contacted"),
                    ("not_relevant", "Judged not relevant"),
                    ("", "Not recorded"),
                ],
                max_length=20,
            ),
        ),
    ]
