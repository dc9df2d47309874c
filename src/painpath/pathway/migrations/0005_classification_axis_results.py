# The results the worklist filters on as stored generated columns (issue 13): finding the
# red flags, steps and readiness of a clinic's open episodes reads no JSON.

import django.db.models.fields.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0004_classification_is_latest"),
    ]

    operations = [
        migrations.AddField(
            model_name="classification",
            name="readiness",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.fields.json.KeyTextTransform(
                    "result",
                    django.db.models.fields.json.KeyTextTransform(
                        "readiness", django.db.models.fields.json.KeyTextTransform("axes", "result")
                    ),
                ),
                output_field=models.CharField(max_length=40, null=True),
            ),
        ),
        migrations.AddField(
            model_name="classification",
            name="red_flags",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.fields.json.KeyTextTransform(
                    "result",
                    django.db.models.fields.json.KeyTextTransform(
                        "red_flags", django.db.models.fields.json.KeyTextTransform("axes", "result")
                    ),
                ),
                output_field=models.CharField(max_length=40, null=True),
            ),
        ),
        migrations.AddField(
            model_name="classification",
            name="step",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.fields.json.KeyTextTransform(
                    "result",
                    django.db.models.fields.json.KeyTextTransform(
                        "stepped_care",
                        django.db.models.fields.json.KeyTextTransform("axes", "result"),
                    ),
                ),
                output_field=models.CharField(max_length=40, null=True),
            ),
        ),
    ]
