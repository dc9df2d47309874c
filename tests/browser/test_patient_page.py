"""The patient page's first screen (issue 14): red flags first, then the scores with their
trend, the stepped-care step, blood thinners and the next appointment with what it still
lacks — at 360, 768 and 1280 px, without sideways scrolling; the axis cards below, decided
apart from those that need input (demo data, synthetic). Screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SIZES = {360: 740, 768: 1024, 1280: 800}


def _open(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(page.url)  # back on the worklist
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def _each_width(page: Page) -> Iterator[int]:
    """The page at each width, scrolled to the top, checked for sideways scrolling."""
    for width, height in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
        yield width


def _above_the_fold(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] < height


def test_the_first_screen_shows_what_to_act_on_at_every_width(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    _open(page, "Charlie Fiktivsen (demo)")
    overview = page.locator("#overview")
    # Warfarin before a paraspinal gold implantation: on the first screen, with the table's
    # answer, and the appointment with what is missing for it.
    expect(page.locator("#overview-thinners")).to_contain_text("warfarin")
    expect(page.locator("#overview-thinners")).to_contain_text("intermediate bleeding risk")
    expect(page.locator("#overview-next")).to_contain_text("Arrange a companion")
    expect(page.locator("#overview-step")).to_contain_text("Step")
    expect(overview.locator(".trend")).not_to_have_count(0)
    expect(overview.locator(".trend").first).to_contain_text("since baseline")
    # The axis cards come after the first screen, in two groups, each still naming its
    # rule set and version.
    assert page.locator("#overview").evaluate(
        "(o) => !!(o.compareDocumentPosition(document.querySelector('#classification')) & 4)"
    )
    expect(page.locator("#decided-title")).to_have_text("Decided")
    expect(page.locator("#input-title")).to_have_text("Needs input")
    for card in page.locator("#classification article.axis").all():
        expect(card.locator(".meta")).to_contain_text("Rule set")
        expect(card.locator(".meta")).to_contain_text("version")

    for width in _each_width(page):
        assert _above_the_fold(page, "#overview .tile-scores"), f"no scores on screen at {width}"
        page.screenshot(path=str(SHOTS / f"patient-page-{width}.png"))
        page.screenshot(path=str(SHOTS / f"patient-page-{width}-full.png"), full_page=True)
    # On a wide screen the whole first screen is the four answers.
    page.set_viewport_size({"width": 1280, "height": 800})
    for tile in ("#overview-step", "#overview-thinners", "#overview-next"):
        assert _above_the_fold(page, tile), f"{tile} is below the first screen at 1280 px"


def test_a_red_flag_comes_before_everything_else(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    _open(page, "Delta Demosen (demo)")
    red = page.locator("#red-flag")
    expect(red).to_contain_text("Emergency — same day")
    assert red.evaluate(
        "(r) => !!(r.compareDocumentPosition(document.querySelector('#overview')) & 4)"
    )
    for width in _each_width(page):
        assert _above_the_fold(page, "#red-flag h2"), f"the red flag is not on screen at {width}"
        page.screenshot(path=str(SHOTS / f"patient-page-red-flag-{width}.png"))


def test_a_danish_clinician_reads_the_first_screen_in_danish(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    from django.contrib.auth.models import User

    from painpath.accounts.models import Profile

    user = User.objects.get(username="demo-clinician")
    Profile.objects.update_or_create(user=user, defaults={"language": "da"})
    _open(page, "Charlie Fiktivsen (demo)")
    page.set_viewport_size({"width": 360, "height": 740})
    overview = page.locator("#overview")
    expect(page.locator("#tile-thinners-title")).to_have_text("Blodfortyndende")
    expect(page.locator("#tile-next-title")).to_have_text("Næste aftale")
    expect(overview.locator(".trend").first).to_contain_text("siden udgangspunktet")
    expect(page.locator("#decided-title")).to_have_text("Afgjort")
    expect(page.locator("#input-title")).to_have_text("Mangler oplysninger")
    text = overview.inner_text() + page.locator("#classification").inner_text()
    for english in (
        "since baseline",
        "Next appointment",
        "Blood thinners",
        "Reasons",
        "MIC reached",
    ):
        assert english not in text, f"English on the Danish page: {english!r}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "patient-page-360-da.png"))
    page.screenshot(path=str(SHOTS / "patient-page-360-da-full.png"), full_page=True)
