# Each classification's axis result codes in a small column of their own (issue 13): the
# registry export reads the axes and their codes without parsing the runs' traces.

from django.db import migrations, models

BATCH = 2000


def codes(result):
    # As painpath.pathway.models.axis_codes_of on the day of this migration, copied so that
    # a later change there cannot change what this migration writes.
    axes = result.get("axes") if isinstance(result, dict) else None
    if not isinstance(axes, dict):
        return {}
    return {k: v.get("result") if isinstance(v, dict) else None for k, v in axes.items()}


def fill_axis_codes(apps, schema_editor):
    Classification = apps.get_model("pathway", "Classification")
    # Batches by id rather than one open cursor: each batch is written before the next is
    # read, and only a batch's JSON is in memory (a run is about 14.5 kB).
    last = 0
    while True:
        rows = list(
            Classification.objects.filter(id__gt=last)
            .order_by("id")
            .values_list("id", "result")[:BATCH]
        )
        if not rows:
            return
        Classification.objects.bulk_update(
            [Classification(id=pk, axis_codes=codes(result)) for pk, result in rows],
            ["axis_codes"],
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0006_worklist_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="classification",
            name="axis_codes",
            field=models.JSONField(default=dict, editable=False),
        ),
        migrations.RunPython(fill_axis_codes, migrations.RunPython.noop),
    ]
