"""Every stored response records which wording the patient saw: painpath's paraphrase, the
instrument's own generic wording, a licensed (validated) translation a site loaded — or
unknown, when painpath did not show the questions."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.core.instruments import get as instrument
from painpath.core.questionnaires import UNKNOWN_WORDING, WordingRef, load_wording
from painpath.patients.models import Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = pytest.mark.django_db

SYNTHETIC = Path(__file__).parents[1] / "core/data/licensed-synthetic"
ANSWERS = {
    "instrument:nrs": {"nrs": ["5"]},
    "instrument:startback": {f"sbst{i}": ["1"] for i in range(1, 9)} | {"sbst9": ["2"]},
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This site's own directory for licensed wording (empty: the shipped paraphrase)."""
    monkeypatch.setenv("PAINPATH_VAR_DIR", str(tmp_path))
    return tmp_path


def follow_up_link(episode: Episode) -> tuple[IntakeLink, str]:
    # A follow-up link asks only the instruments: no intake pages to fill in.
    return IntakeLink.issue(
        episode,
        purpose=IntakeLink.Purpose.FOLLOW_UP,
        instruments=["nrs", "startback"],
        language="da",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


def submitted(link: IntakeLink) -> dict[str, WordingRef]:
    services.submit(link, ANSWERS, uuid.uuid4())
    return {r.instrument: r.wording_ref for r in QuestionnaireResponse.objects.filter(link=link)}


def test_an_answer_to_the_shipped_questionnaire_records_its_wording_and_version(
    episode: Episode, site: Path
) -> None:
    link, _token = follow_up_link(episode)

    wordings = submitted(link)

    assert wordings["startback"] == WordingRef("paraphrase", "startback-da", "1.0.0")
    assert wordings["nrs"].kind == "original" and wordings["nrs"].questionnaire == "nrs-da"
    assert wordings["nrs"].version == "1.1.0"  # average pain over the last week


def test_after_a_site_loads_the_licensed_danish_version_answers_record_it(
    episode: Episode, site: Path
) -> None:
    # SYNTHETIC stand-in for the licensed STarT-dk (Morsø et al. 2011): made-up texts.
    load_wording("startback", "da", SYNTHETIC / "startback.da.json")
    link, token = follow_up_link(episode)

    client = Client()
    client.post(reverse("questionnaires:start", args=[token]), {"language": "da"})
    client.post(reverse("questionnaires:page", args=[token, 1]), {"nrs": "5"})
    page = client.get(reverse("questionnaires:page", args=[token, 2])).content.decode()
    assert "SYNTETISK startback sbst1" in page  # the patient sees the loaded wording
    wordings = submitted(link)

    licensed = wordings["startback"]
    assert (licensed.kind, licensed.translation, licensed.translation_version) == (
        "licensed",
        "STarT-dk",
        "synthetic-1",
    )
    assert licensed.validated
    assert wordings["nrs"].kind == "original"  # nothing loaded for the NRS


def test_the_submission_audit_names_the_wording(episode: Episode, site: Path) -> None:
    from painpath.audit.models import AuditEntry

    link, _token = follow_up_link(episode)
    submitted(link)
    entry = AuditEntry.objects.get(action="patient_submit")
    assert entry.detail["wordings"]["startback"] == "paraphrase startback-da 1.0.0"


def test_storing_a_response_needs_its_wording(episode: Episode) -> None:
    given = {"source": "paper", "language": "da", "answered_on": dt.date(2025, 1, 1)}
    result = instrument("nrs").score({"nrs": 3})
    with pytest.raises(TypeError, match="wording"):
        services.store_scored_response(episode, "nrs", {"nrs": 3}, result, **given)  # type: ignore[arg-type]
    stored = services.store_scored_response(
        episode, "nrs", {"nrs": 3}, result, wording=UNKNOWN_WORDING, **given
    )
    stored.refresh_from_db()
    assert stored.wording == {"kind": "unknown"}


# -- responses stored before painpath recorded the wording ---------------------------------------

backfill = importlib.import_module(
    "painpath.questionnaires.migrations.0003_response_wording"
).backfill


def old_response(episode: Episode, code: str, source: str, language: str) -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.create(
        episode=episode,
        instrument=code,
        answers={},
        score=1,
        source=source,
        language=language,
        wording={},
    )


def test_older_responses_get_the_wording_painpath_showed_or_unknown(
    episode: Episode, site: Path
) -> None:
    load_wording("odi", "da", SYNTHETIC / "odi.da.json")  # this site uses the licensed ODI
    rows = {
        "link odi en": old_response(episode, "odi", "patient", "en"),
        "link odi da": old_response(episode, "odi", "patient", "da"),
        "link nrs da": old_response(episode, "nrs", "patient", "da"),
        "link, no language": old_response(episode, "pcs", "patient", ""),
        "phone": old_response(episode, "ndi", "phone", "da"),
        "paper": old_response(episode, "nrs", "paper", "da"),
    }

    backfill(apps, None)

    got = {name: QuestionnaireResponse.objects.get(pk=r.pk).wording for name, r in rows.items()}
    assert got == {
        "link odi en": {"kind": "paraphrase", "questionnaire": "odi-en", "version": "1.0.0"},
        # Loaded here, but when? The patient may have seen either: unknown.
        "link odi da": {"kind": "unknown"},
        "link nrs da": {"kind": "original", "questionnaire": "nrs-da", "version": "1.0.0"},
        "link, no language": {"kind": "unknown"},
        "phone": {"kind": "unknown"},
        "paper": {"kind": "unknown"},
    }
