"""Every shipped Questionnaire in LHC-Forms, the US National Library of Medicine's renderer
(issue 16): it loads without a console error, its copyright button shows the licence and the
paraphrase notice, answers chosen in the form come back in LHC-Forms' QuestionnaireResponse
(``LForms.Util.getFormFHIRData``), and painpath scores that response exactly as it scores the
same answers given directly.

LHC-Forms is installed by ``scripts/ensure-lhcforms`` (npm package ``lforms``, pinned) into
``var/lhcforms``; the page is served to Chromium from there through a Playwright route, so no
server runs. ``PAINPATH_LHCFORMS_SCREENSHOTS=DIR`` keeps screenshots of a few forms at 360 and
1280 px.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import LANGUAGES, available, build, skippable

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
LHC = ROOT / "var/lhcforms"
ORIGIN = "http://lhcforms.test"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>LHC-Forms</title>
<link rel="stylesheet" href="/lhc/webcomponent/styles.css">
<script src="/lhc/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lhc/webcomponent/runtime.js" type="module"></script>
<script src="/lhc/webcomponent/polyfills.js" type="module"></script>
<script src="/lhc/webcomponent/main.js" type="module"></script>
<script type="module">
  // The FHIR support extends the LForms object that main.js (a module) defines: load it after.
  const fhir = document.createElement("script");
  fhir.src = "/lhc/fhir/R4/lformsFHIR.min.js";
  document.head.appendChild(fhir);
</script>
</head><body><main><div id="form"></div></main></body></html>"""

# Clicks each chosen answer's label (the radio buttons LHC-Forms draws for the radio-button
# item control) and types each number, as a patient would, through the DOM events Angular
# listens to; returns the linkIds it found no control for.
FILL = """(answers) => {
  const missing = [];
  for (const [linkId, answer] of Object.entries(answers)) {
    if (answer.system) {
      const label = document.getElementById(`${linkId}/1|${answer.system}|${answer.code}`);
      if (!label) { missing.push(linkId); continue; }
      label.click();
    } else {
      const input = document.getElementById(`${linkId}/1`);
      if (!input) { missing.push(linkId); continue; }
      input.focus();
      input.value = String(answer.value);
      input.dispatchEvent(new Event("input", {bubbles: true}));
      input.dispatchEvent(new Event("change", {bubbles: true}));
      input.blur();
    }
  }
  return missing;
}"""

# Render a Questionnaire, open and close its copyright popover, and, when answers are given,
# fill them in and return LHC-Forms' QuestionnaireResponse.
VISIT = """async ([questionnaire, answers]) => {
  const element = document.getElementById("form");
  await LForms.Util.addFormToPage(questionnaire, element);
  const items = element.querySelectorAll("lhc-item").length;
  const button = element.querySelector(".lhc-form-title .lhc-copyright-button");
  let copyright = null;
  if (button) {
    button.click();
    for (let tries = 0; tries < 200 && copyright === null; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const shown = document.querySelectorAll(".lhc-popover-copyright");
      if (shown.length) copyright = shown[shown.length - 1].textContent;
    }
    button.click();
  }
  if (!answers) return {items, copyright};
  const missing = (FILL)(answers);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const response = LForms.Util.getFormFHIRData("QuestionnaireResponse", "R4", element);
  return {items, copyright, missing, response};
}""".replace("(FILL)", f"({FILL})")

# Every visit in one call: on a shared 2-core machine each of Playwright's round trips costs
# more than LHC-Forms' rendering of a small form.
VISIT_ALL = """async (visits) => {
  const visit = (VISIT);
  const seen = [];
  for (const one of visits) seen.push(await visit(one));
  return seen;
}""".replace("(VISIT)", f"({VISIT})")

SCREENSHOTS = (("odi", "da"), ("vas", "en"), ("startback", "de"))


@pytest.fixture(scope="module")
def lhcforms() -> Path:
    result = subprocess.run(
        [str(ROOT / "scripts/ensure-lhcforms")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        reason = f"LHC-Forms is not installed: {result.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip the LHC-Forms test: {reason}")
        pytest.skip(reason)
    return LHC


def _serve(route: Any) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path.startswith("/lhc/"):
        file = (LHC / path.removeprefix("/lhc/")).resolve()
        if LHC.resolve() in file.parents and file.is_file():
            route.fulfill(path=str(file))
            return
        route.fulfill(status=404, body="not found")
        return
    route.fulfill(body=PAGE, content_type="text/html; charset=utf-8")


def _answers(code: str, rng: random.Random) -> dict[str, Any]:
    """Random valid answers to ``code``'s Questionnaire, leaving out items the missing-answer
    rule allows to be left out (one at most beyond the optional ones): linkId → what to click
    or type."""
    questionnaire = build(code, "en")
    skip = set(rng.sample(sorted(skippable(code)), k=min(1, len(skippable(code)))))
    chosen: dict[str, Any] = {}
    for item in questionnaire["item"]:
        if item["linkId"] in skip:
            continue
        if item["type"] == "choice":
            coding = rng.choice(item["answerOption"])["valueCoding"]
            chosen[item["linkId"]] = {"system": coding["system"], "code": coding["code"]}
            continue
        low, high = (
            next(v for k, v in e.items() if k.startswith("value"))
            for e in item["extension"]
            if e["url"].endswith(("/minValue", "/maxValue"))
        )
        value = rng.randint(int(low), int(high))
        if item["type"] == "decimal":  # a VAS mark measured to half a millimetre
            value = min(high, value + 0.5)
        chosen[item["linkId"]] = {"value": value}
    return chosen


def _scorable(chosen: dict[str, Any]) -> dict[str, float]:
    return {
        link_id: int(answer["code"]) if "code" in answer else answer["value"]
        for link_id, answer in chosen.items()
    }


def _from_response(response: dict[str, Any]) -> dict[str, float]:
    """linkId → the number painpath scores, read from a QuestionnaireResponse."""
    result: dict[str, float] = {}
    for item in response.get("item", []):
        (answer,) = item["answer"]
        if "valueCoding" in answer:
            result[item["linkId"]] = int(answer["valueCoding"]["code"])
        else:
            result[item["linkId"]] = answer.get("valueDecimal", answer.get("valueInteger"))
    return result


def test_every_questionnaire_renders_in_lhc_forms_and_round_trips_to_the_same_score(
    lhcforms: Path, page: Any
) -> None:
    screenshots = os.environ.get("PAINPATH_LHCFORMS_SCREENSHOTS", "")
    page.route(f"{ORIGIN}/**", _serve)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("!!(window.LForms && LForms.Util && LForms.FHIR)")
    assert page.evaluate("LForms.lformsVersion") == (LHC / "VERSION").read_text().strip()
    rng = random.Random(16)
    # Every Questionnaire is rendered with its copyright; each instrument is answered in one
    # language, the languages taking turns (the items and codes are the same in all three).
    answered = {code: LANGUAGES[i % len(LANGUAGES)] for i, code in enumerate(REGISTRY)}
    visits = [
        (build(code, lang), _answers(code, rng) if answered[code] == lang else None)
        for code, lang in available()
    ]
    round_trips = 0
    for (questionnaire, chosen), seen in zip(visits, page.evaluate(VISIT_ALL, visits), strict=True):
        where = questionnaire["id"]
        code = where.rsplit("-", 1)[0]
        assert seen["items"] == len(questionnaire["item"]), where
        # LHC-Forms names its copyright button after the Questionnaire's first code and
        # threw on it when there was none; the paraphrase notice is in what it shows.
        assert seen["copyright"] and questionnaire["copyright"] in seen["copyright"], where
        if chosen is None:
            continue
        assert seen["missing"] == [], where
        round_trips += 1
        response = seen["response"]
        QuestionnaireResponse.model_validate(response)
        # The canonical names the language: a response says which one the patient saw.
        assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
        answers = _scorable(chosen)
        assert _from_response(response) == answers, where
        scorer = REGISTRY[code]()
        direct = scorer.score(answers)
        via_lhc = scorer.score(_from_response(response))
        assert (via_lhc.score, via_lhc.subscales, via_lhc.band) == (
            direct.score,
            direct.subscales,
            direct.band,
        ), where
    assert round_trips == len(REGISTRY)
    for code, lang in SCREENSHOTS if screenshots else ():
        page.evaluate(VISIT, [build(code, lang), _answers(code, rng)])
        page.wait_for_timeout(500)  # the copyright popover fading out
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(
                path=f"{screenshots}/lhcforms-{code}-{lang}-{width}.png", full_page=True
            )


def test_without_a_code_lhc_forms_fails_on_its_copyright_button(
    lhcforms: Path, browser: Any
) -> None:
    # Why every Questionnaire has a code: LHC-Forms 40 looks the copyright popover up by the
    # form's code. A context of its own, since the errors it logs are the point here.
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("!!(window.LForms && LForms.Util && LForms.FHIR)")
        bare = build("odi", "en")
        del bare["code"]
        page.evaluate(VISIT, [bare, None])
        # (With the code, the same form shows its copyright without an error: the test above.)
        assert any("Cannot read properties of null" in error for error in errors), errors
    finally:
        context.close()
