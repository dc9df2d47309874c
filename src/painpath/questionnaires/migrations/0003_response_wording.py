"""Every response records which wording the patient saw.

Responses stored before this get, by what is known about them:

- answered by the patient on a link (or the clinic's tablet): the wording painpath showed
  was the shipped Questionnaire of that instrument and language, version 1.0.0 (every
  source was 1.0.0 until now) — ``original`` for the NRS and VAS, painpath's
  ``paraphrase`` for the others. Where this site has loaded a licensed wording for that
  instrument and language, it cannot be told when, so whether the patient saw it or the
  paraphrase: ``unknown``. Without a recorded language, also ``unknown``.
- taken by phone or on paper: ``unknown`` — painpath did not see the form.
"""

from django.db import migrations, models

import painpath.questionnaires.models

GENERIC = {"nrs", "vas"}  # the instruments whose wording painpath ships in full
VERSION_BEFORE = "1.0.0"


def backfill(apps, schema_editor):
    from painpath.core.questionnaires import override_path

    response_model = apps.get_model("questionnaires", "QuestionnaireResponse")
    licensed_here: dict[tuple[str, str], bool] = {}
    for response in response_model.objects.all().only("id", "instrument", "source", "language"):
        wording = {"kind": "unknown"}
        key = (response.instrument, response.language)
        if response.source == "patient" and response.language:
            if key not in licensed_here:
                try:
                    licensed_here[key] = override_path(*key).is_file()
                except OSError:
                    licensed_here[key] = True
            if not licensed_here[key]:
                wording = {
                    "kind": "original" if response.instrument in GENERIC else "paraphrase",
                    "questionnaire": f"{response.instrument}-{response.language}",
                    "version": VERSION_BEFORE,
                }
        response_model.objects.filter(pk=response.pk).update(wording=wording)


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0002_link_submission_and_draft_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaireresponse",
            name="wording",
            field=models.JSONField(default=painpath.questionnaires.models.unknown_wording),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
