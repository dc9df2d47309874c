"""Plans name the instruments they ask, chosen by the episode's region when they start.

Plans started before this asked their protocol's one list (protocol version 1.0.0) of every
patient; they keep asking it. Those lists are written out here, not read from the protocol
files, which now choose by region.
"""

from django.db import migrations, models

ASKED_BEFORE = {
    "default": ["nrs", "odi", "eq5d5l"],
    "gold-implantation": ["nrs", "odi", "eq5d5l"],
    "restorative-neurostimulation": ["vas", "odi", "eq5d5l"],
    "step1-course": ["nrs", "odi"],
}


def fill(apps, schema_editor):
    plan_model = apps.get_model("followup", "FollowUpPlan")
    for plan in plan_model.objects.all():
        if plan.instruments:
            continue
        plan.instruments = ASKED_BEFORE.get(plan.protocol_id, ASKED_BEFORE["default"])
        plan.save(update_fields=["instruments"])


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="followupplan",
            name="instruments",
            field=models.JSONField(default=list, verbose_name="instruments"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
