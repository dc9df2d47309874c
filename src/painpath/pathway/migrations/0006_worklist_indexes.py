# Partial indexes for the worklist's candidates among the latest runs (issue 13).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0005_classification_axis_results"),
        ("patients", "0008_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="classification",
            index=models.Index(
                condition=models.Q(
                    ("is_latest", True), models.Q(("red_flags", "none"), _negated=True)
                ),
                fields=["episode"],
                name="latest_red_flags",
            ),
        ),
        migrations.AddIndex(
            model_name="classification",
            index=models.Index(
                condition=models.Q(("is_latest", True), ("step", "step_2")),
                fields=["episode"],
                name="latest_step_2",
            ),
        ),
        migrations.AddIndex(
            model_name="classification",
            index=models.Index(
                condition=models.Q(("is_latest", True), ("readiness", "not_ready")),
                fields=["episode"],
                name="latest_not_ready",
            ),
        ),
    ]
