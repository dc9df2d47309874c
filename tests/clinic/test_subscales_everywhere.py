"""Subscales shown where scores are read — the patient page's first screen and the one-page
summary (page, text, the PDF's HTML) — in Danish with Danish numbers and no English codes
(issue 15; synthetic answers). That every subscale is named: tests/core/test_subscales.py."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from tests.clinic.test_summary import _pdf_missing
from tests.web.test_staff_danish import ENGLISH, PROPER_NAMES, visible_text

from painpath.clinic.summary import render_document, summary_data, summary_text
from painpath.patients.models import Episode
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = pytest.mark.django_db

# Synthetic HADS: anxiety items (odd) 2,2,1,1,1,1,1 = 9, depression items (even) 2,1,1,1,1,1,1 = 8
# → both 8–10, the "doubtful case" band of Zigmond & Snaith 1983; total 17.
HADS = {f"hads{n}": v for n, v in zip(range(1, 15, 2), (2, 2, 1, 1, 1, 1, 1), strict=True)} | {
    f"hads{n}": v for n, v in zip(range(2, 15, 2), (2, 1, 1, 1, 1, 1, 1), strict=True)
}
# Synthetic BPI: severity 7, 5, 6, 7 → mean 6.25 (a decimal to write the Danish way).
BPI = {"bpi3": 7, "bpi4": 5, "bpi5": 6, "bpi6": 7} | {f"bpi9{c}": 4 for c in "abcdefg"}


def english(text: str) -> list[str]:
    """English words in a Danish text, as tests/web/test_staff_danish.py finds them."""
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return ENGLISH.findall(text)


def store(episode: Episode, code: str, answers: dict[str, int]) -> None:
    store_answers_as_shown(
        episode, code, answers, source="paper", language="da", answered_on=timezone.localdate()
    )


def test_the_danish_patient_page_shows_the_hads_two_subscales(
    episode: Episode, clinician_client: Client
) -> None:
    store(episode, "hads", HADS)
    store(episode, "bpi", BPI)
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    page = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<html lang="da"' in page
    tile = page[page.index('class="tile tile-scores"') :]
    tile = tile[: tile.index("</article>")]
    assert "Angst <strong>9</strong> (mulig), Depression <strong>8</strong> (mulig)" in tile
    # The BPI's score is its interference mean (4), named apart from the severity.
    assert "Smertens indvirkning <strong>4</strong>, Smerteintensitet <strong>6,25</strong>" in tile
    text = visible_text(tile)
    assert not english(text), text
    assert not re.search(r"\b(anxiety|depression|severity|borderline)\b", text)


def test_the_english_patient_page_names_them_in_english(
    episode: Episode, clinician_client: Client
) -> None:
    store(episode, "hads", HADS)
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    page = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Anxiety <strong>9</strong> (possible case)" in page


def test_the_danish_summary_shows_the_hads_subscales_on_its_page_text_and_pdf(
    episode: Episode, clinician_client: Client
) -> None:
    store(episode, "hads", HADS)
    store(episode, "bpi", BPI)
    with translation.override("da"):
        summary = summary_data(episode)
        text = summary_text(summary)
        document = render_document(summary, "")
    hads = next(line for line in text.splitlines() if line.startswith("HADS"))
    assert ": 17 (" in hads
    assert hads.endswith(" — Angst 9 (mulig), Depression 8 (mulig)"), hads
    assert "Smerteintensitet 6,25" in text
    assert not english(hads)
    for html in (
        document,
        clinician_client.get(
            reverse("clinic:summary", args=[episode.public_id]), HTTP_ACCEPT_LANGUAGE="da"
        ).content.decode(),
    ):
        scores = html[html.index('id="sum-scores-title"') :]
        scores = scores[: scores.index("</section>")]
        assert "Angst <strong>9</strong> (mulig), Depression <strong>8</strong> (mulig)" in scores
        assert "Smerteintensitet <strong>6,25</strong>" in scores
        assert not english(visible_text(scores))


def test_a_hidden_subscale_is_not_shown(episode: Episode) -> None:
    # StarT Back: the risk group (0–2) is a code, shown as the score's band, not as a number.
    store(episode, "startback", {f"sbst{i}": 1 for i in range(1, 9)} | {"sbst9": 4})
    with translation.override("da"):
        line = next(s for s in summary_data(episode).scores if s.code == "startback")
    assert [sub.name for sub in line.subscales] == ["Psykosocial delscore"]


def test_the_danish_pdf_carries_the_hads_subscales(
    episode: Episode, clinician_client: Client
) -> None:
    reason = _pdf_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the PDF: {reason}")
        pytest.skip(f"PDF TEST NOT RUN: {reason}")
    import pypdfium2 as pdfium

    store(episode, "hads", HADS)
    url = reverse("clinic:summary_pdf", args=[episode.public_id])
    response = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da")
    document = pdfium.PdfDocument(response.content)
    text = " ".join(document[0].get_textpage().get_text_range().split())
    assert "Angst 9 (mulig), Depression 8 (mulig)" in text
