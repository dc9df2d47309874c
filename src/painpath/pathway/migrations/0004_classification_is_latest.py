# Each episode's latest classification flagged on write (issue 13): the worklist reads the
# current result of a clinic's open episodes without loading every run they ever had.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def flag_latest(apps, schema_editor):
    Classification = apps.get_model("pathway", "Classification")
    newest = (
        Classification.objects.filter(episode_id=OuterRef("episode_id"))
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    Classification.objects.filter(id=Subquery(newest)).update(is_latest=True)


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0003_redflagacknowledgement_action"),
    ]

    operations = [
        migrations.AddField(
            model_name="classification",
            name="is_latest",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(flag_latest, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="classification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_latest", True)),
                fields=("episode",),
                name="one_latest_classification",
            ),
        ),
    ]
