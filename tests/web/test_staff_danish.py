"""Every page in Danish, with nothing left in English (issue 14: a Danish staff UI that does not
leak English).

The demo clinic is loaded (``load_demo``: synthetic patients across the stepped-care model,
the demo logins of every role) and every demo login's screens are set to Danish. Then every
GET URL of the persona table (``tests/web/test_url_access.py``) is opened by every demo login
the table allows, the signed-out pages with a Danish browser, the patient's link in Danish
page by page, and the forms that answer bad input with errors are sent some (a CPR number that
fails its check among them). While they render, every message id looked up through Django's
gettext is checked against the Danish catalogue: one without a Danish translation fails the
test, named with the pages that asked for it. Texts that come from data files (instrument
titles, rule texts, protocol names) do not pass through gettext, so the visible text of each
page is also searched for English words that no Danish sentence uses.
"""

from __future__ import annotations

import html
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import resolve, reverse
from django.utils.translation import trans_real
from tests.conftest import sign_in_verified
from tests.web.test_url_access import (
    ACCESS,
    ANONYMOUS,
    World,
    by_staff_member,
    classified_names,
)

from painpath.accounts.models import Profile
from painpath.core.instruments import REGISTRY
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import services as intake
from painpath.questionnaires.forms import for_patients
from painpath.questionnaires.models import IntakeDraft
from painpath.web.management.commands.load_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

# The persona table's roles, played by the demo logins.
DEMO_LOGIN = {
    "clinician": "demo-clinician",
    "secretary": "demo-secretary",
    "researcher": "demo-researcher",
    "clinic_admin": "demo-clinic-admin",
    "site_admin": "demo-admin",
}
# English words that no Danish sentence uses: one on a Danish page is a text that was never
# translated (a data file's English, a string outside gettext). Matched as whole words, case
# sensitive where the Danish word differs only in case (Danish writes months in lower case).
ENGLISH_WORDS = (
    "the",
    "The",
    "and",
    "with",
    "With",
    "without",
    "which",
    "should",
    "would",
    "please",
    "Please",
    "Save",
    "Cancel",
    "Search",
    "Next",
    "Previous",
    "Yes",
    "None",
    "weeks",
    "months",
    "days",
    "Pain",
    "pain",
    "patient's",
    "Patient's",
    "ready",
    "Ready",
    "Step",
    "since",
    "been",
    "has",
    "axis",
    "this",
    "This",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "a.m.",
    "p.m.",
)
ENGLISH = re.compile(
    r"(?<![\w.-])(" + "|".join(re.escape(word) for word in ENGLISH_WORDS) + r")(?![\w-])"
)
# What may stay as it is in a Danish page: the product's name, and proper names that contain
# an English word (an instrument is called by its published name).
PROPER_NAMES = (
    "painpath",
    "Örebro Musculoskeletal Pain Screening Questionnaire",
    "Pain Catastrophizing Scale",
    "Pain Self-Efficacy Questionnaire",
    "Brief Pain Inventory",
    "Shoulder Pain and Disability Index",
    "Knee injury and Osteoarthritis Outcome Score",
    "Hip disability and Osteoarthritis Outcome Score",
)
# A citation keeps the language it was published in: a line with an author list in Vancouver
# style ("Ostelo RWJG, Deyo RA, …", "Narouze S et al.", "Farrar et al. 2001") or one that
# names its source ("Kilde:").
CITATION = re.compile(
    r"\b[A-Z][\w'-]+ [A-Z]{1,4}(?: Jr)?(?:, [A-Z][\w'-]+ [A-Z]{1,4})+"
    r"|\b[A-Z][\w'-]+(?: [A-Z]{1,4})? et al\."
    r"|^Kilde: "
)
# English that data files hold without a Danish text yet, each with where it comes from and
# who is to give it its Danish. Excused here, but each must still be found on some page
# (test_each_known_english_text_is_still_there): once translated, its line must go.
ENGLISH_NOT_YET_TRANSLATED: dict[str, str] = {}


class _Text(HTMLParser):
    """A page's visible Danish text and the attributes a screen reader or a hover shows.

    Left out: scripts and styles, citations (``<cite>``: a source keeps the language it was
    published in) and any part marked as another language (``lang="en"``, as WCAG 3.1.2 asks).
    """

    # Also left out: code and configuration shown as such (a protocol's YAML), what the user
    # types (a textarea), and a card's sources (references and provenance notes, English in
    # the rule sets).
    SKIP = frozenset({"script", "style", "template", "cite", "pre", "code", "textarea"})
    SKIP_CLASSES = frozenset({"sources"})
    SPOKEN = ("alt", "title", "aria-label", "placeholder", "aria-description")
    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # each open element: is it left out?

    def _skipping(self) -> bool:
        return any(foreign for _, foreign in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        foreign = (
            tag in self.SKIP
            or (named.get("lang") or "da").split("-")[0] != "da"
            or bool(self.SKIP_CLASSES & set((named.get("class") or "").split()))
        )
        if not self._skipping() and not foreign:
            self.parts += [value for name, value in attrs if name in self.SPOKEN and value]
            if tag == "input" and named.get("type") == "submit" and named.get("value"):
                self.parts.append(named["value"] or "")
        if tag not in self.VOID:
            self._open.append((tag, foreign))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        # Up to the element this closes: HTML leaves many end tags out (li, p, option).
        if any(name == tag for name, _ in self._open):
            while self._open and self._open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return html.unescape("\n".join(parser.parts))


class MissingDanish:
    """Records each message id looked up in Danish (or, on the patient's pages, German) that
    the language's catalogue lacks, with the page being rendered when it was asked for."""

    LANGUAGES = ("da", "de")

    def __init__(self) -> None:
        self.page = ""
        self.found: dict[str, set[str]] = defaultdict(set)
        self.german: dict[str, set[str]] = defaultdict(set)

    def note(self, language: str, msgid: str) -> None:
        (self.found if language == "da" else self.german)[msgid].add(self.page)


@pytest.fixture
def missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[MissingDanish]:
    record = MissingDanish()
    cls = trans_real.DjangoTranslation
    plain, plural = cls.gettext, cls.ngettext

    def gettext(self: Any, message: str) -> str:
        if self.language() in record.LANGUAGES and message not in self._catalog:
            record.note(self.language(), message)
        return plain(self, message)

    def ngettext(self: Any, singular: str, several: str, n: int) -> str:
        if self.language() in record.LANGUAGES:
            try:
                self._catalog.plural(singular, n)
            except KeyError:
                record.note(self.language(), singular)
        return plural(self, singular, several, n)

    monkeypatch.setattr(cls, "gettext", gettext)
    monkeypatch.setattr(cls, "ngettext", ngettext)
    yield record


def demo_world() -> World:
    """The clinic A demo patient with the most answers, and a Danish link of theirs."""
    demo = User.objects.get(username="demo-clinician")
    episode = (
        Episode.objects.filter(patient__clinic__code="clinic-a")
        .annotate(answers=Count("responses", distinct=True))
        .order_by("-answers", "id")
        .first()
    )
    assert episode is not None, "load_demo made no patient in clinic A"
    _link, path = intake.issue_link(episode, for_patients(REGISTRY), "da", demo)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    return World(patient=episode.patient, episode=episode, token=token)


def url_kwargs(name: str, world: World) -> dict[str, Any]:
    access = ACCESS[name]
    if access.kwargs is by_staff_member:
        return {"user_id": User.objects.get(username="demo-clinician").pk}
    return access.kwargs(world)


def _danish_client(username: str) -> Client:
    user = User.objects.get(username=username)
    Profile.objects.update_or_create(user=user, defaults={"language": "da"})
    return sign_in_verified(user)


# Forms answered with their errors, a CPR number that fails its check among them:
# (persona, URL name, form data).
BAD_INPUT = (
    ("clinician", "patients:create", {"cpr": "010203-1234"}),
    ("clinician", "patients:create", {"cpr": "31"}),
    ("clinician", "patients:edit", {"cpr": "320190-0000", "name": ""}),
    ("clinician", "patients:episode_create", {"onset_date": "not a date"}),
    ("clinician", "questionnaires:issue", {"instruments": "", "days": "-1"}),
    ("clinician", "followup:record", {"answered_on": "2099-01-01"}),
    ("site_admin", "administration:staff_invite", {"username": "a b", "email": "nope"}),
    ("clinic_admin", "clinic:settings", {"link_days": "0"}),
)


def _clinic_data() -> set[str]:
    typed = {*Episode.objects.values_list("complaint", flat=True)}
    typed |= {*Patient.objects.values_list("name", flat=True)}
    typed |= {*Clinic.objects.values_list("name", flat=True)}
    typed |= {*User.objects.values_list("username", flat=True)}
    return {text for text in typed if text}


def render_everything(missing: MissingDanish) -> dict[str, str]:
    """Every page as text, by name ("URL name as persona"), rendered in Danish."""
    call_command("load_demo", stdout=io.StringIO())
    world = demo_world()
    pages: dict[str, str] = {}

    def keep(label: str, client: Client, url: str, data: dict[str, str] | None = None) -> None:
        missing.page = label
        REQUESTED.add(resolve(url.split("?")[0]).view_name)
        # A form sent back with a message is followed to the page that shows the message.
        response = client.get(url) if data is None else client.post(url, data, follow=True)
        assert response.status_code < 500, (label, response.status_code)
        # Bad input may answer 400 with the form and its errors: that page counts too.
        shown = response.status_code == 200 or (data is not None and response.status_code < 500)
        if shown and response["Content-Type"].startswith("text/html"):
            (GERMAN if label.endswith("(German)") else pages)[label] = response.content.decode()

    clients = {persona: _danish_client(login) for persona, login in DEMO_LOGIN.items()}
    names = set(classified_names())
    # A URL the persona table does not know yet fails test_every_url_pattern_is_classified.
    for name in sorted(names & set(ACCESS)):
        access = ACCESS[name]
        if access.method != "get" or (
            name.startswith("questionnaires:") and name != "questionnaires:issue"
        ):
            continue
        url = reverse(name, kwargs=url_kwargs(name, world))
        for persona, client in clients.items():
            if persona in access.allowed:
                keep(f"{name} as {persona}", client, url)
        if ANONYMOUS in access.allowed:
            keep(f"{name} signed out", Client(HTTP_ACCEPT_LANGUAGE="da"), url)

    # Half signed in: the password given, the one-time code asked for.
    pending = Client(HTTP_ACCEPT_LANGUAGE="da")
    missing.page = "sign-in with a wrong password"
    keep(
        "accounts:login, wrong password",
        pending,
        reverse("accounts:login"),
        {"username": "demo-clinician", "password": "wrong"},
    )
    pending.post(
        reverse("accounts:login"), {"username": "demo-clinician", "password": DEMO_PASSWORD}
    )
    keep("accounts:verify, code asked for", pending, reverse("accounts:verify"))
    keep("accounts:verify, wrong code", pending, reverse("accounts:verify"), {"token": "000000"})

    # The patient's link in Danish, and one in German: every page, then the review.
    patient = Client(HTTP_ACCEPT_LANGUAGE="en")
    _link, path = intake.issue_link(
        world.episode, for_patients(REGISTRY), "de", User.objects.first()
    )
    for language, token in (("da", world.token), ("de", path.rstrip("/").rsplit("/", 1)[-1])):
        german = " (German)" if language == "de" else ""
        for name in ("questionnaires:start", "questionnaires:consent"):
            keep(f"{name}{german}", patient, reverse(name, args=[token]))
        link = intake.resolve(token)
        count = len(intake.pages_of(link, language))
        IntakeDraft.objects.update_or_create(
            link=link, defaults={"language": language, "page": count}
        )
        for number in range(1, count + 1):
            url = reverse("questionnaires:page", args=[token, number])
            keep(f"questionnaires:page {number}{german}", patient, url)
            keep(f"questionnaires:page {number}, sent empty{german}", patient, url, {})
        keep(
            f"questionnaires:review{german}",
            patient,
            reverse("questionnaires:review", args=[token]),
        )
    # Before submitting: back to the start (the done page itself is test_danish_pages.py's).
    keep("questionnaires:done", patient, reverse("questionnaires:done", args=[world.token]))

    for persona, name, data in BAD_INPUT:
        url = reverse(name, kwargs=url_kwargs(name, world))
        keep(f"{name} as {persona}, bad input", clients[persona], url, data)
    report = reverse("analytics:report")
    keep("analytics:report, bad filter", clients["researcher"], f"{report}?sex=x&age_band=999")
    return pages


RENDERED: dict[str, str] = {}
GERMAN: dict[str, str] = {}  # the patient's pages in German
MISSING_GERMAN: dict[str, set[str]] = {}
REQUESTED: set[str] = set()  # URL names asked for
# What the clinic typed in (the demo's complaints, names and the like): the clinic's own words,
# in whatever language it wrote them, not the interface's.
CLINIC_DATA: list[str] = []
MISSING: dict[str, set[str]] = {}


@pytest.fixture
def rendered(missing: MissingDanish) -> dict[str, str]:
    """Rendered once for the module: the lookups and the pages are all the tests need."""
    if not RENDERED:
        RENDERED.update(render_everything(missing))
        MISSING.update(missing.found)
        MISSING_GERMAN.update(missing.german)
        CLINIC_DATA.extend(sorted(_clinic_data(), key=len, reverse=True))
    return RENDERED


def test_every_page_was_rendered_in_danish(rendered: dict[str, str]) -> None:
    not_danish = [name for name, page in rendered.items() if '<html lang="da"' not in page]
    assert not not_danish, f"not in Danish: {not_danish}"
    # Every GET URL of the persona table was asked for, or this test checks less than it says
    # (but those no one opens with a session: the API's, whose token is its credential).
    gets = {name for name, access in ACCESS.items() if access.method == "get" and access.allowed}
    assert not gets - REQUESTED, f"never opened: {sorted(gets - REQUESTED)}"
    assert len(rendered) > len(gets)


def test_no_message_id_lacks_its_danish(rendered: dict[str, str]) -> None:
    lines = [
        f"{msgid!r}  on  {', '.join(sorted(pages)[:3])}" for msgid, pages in sorted(MISSING.items())
    ]
    assert not lines, (
        f"{len(lines)} message ids have no Danish translation "
        "(append them to src/painpath/locale/da/LC_MESSAGES/django.po):\n" + "\n".join(lines)
    )


def test_the_patients_pages_in_german_lack_no_message(rendered: dict[str, str]) -> None:
    assert GERMAN and all('<html lang="de"' in page for page in GERMAN.values()), list(GERMAN)
    lines = [
        f"{msgid!r}  on  {', '.join(sorted(pages)[:3])}" for msgid, pages in MISSING_GERMAN.items()
    ]
    assert not lines, (
        f"{len(lines)} message ids have no German translation "
        "(append them to src/painpath/locale/de/LC_MESSAGES/django.po):\n"
        + "\n".join(sorted(lines))
    )


def test_no_english_words_on_danish_pages(rendered: dict[str, str]) -> None:
    found = []
    for label, page in sorted(rendered.items()):
        text = visible_text(page)
        for name in (*PROPER_NAMES, *CLINIC_DATA):
            text = text.replace(name, "")
        for line in text.splitlines():
            excused = CITATION.search(line) or any(
                known in line for known in ENGLISH_NOT_YET_TRANSLATED
            )
            if (match := ENGLISH.search(line)) and not excused:
                found.append(f"{label}: {match.group(0)!r} in {line[:120]!r}")
    assert not found, f"{len(found)} English texts on Danish pages:\n" + "\n".join(
        dict.fromkeys(found)
    )


def test_the_bad_input_was_answered_with_errors(rendered: dict[str, str]) -> None:
    # Else the forms' error messages were never looked up, and the check above saw none.
    silent = [
        f"{name} as {persona}"
        for persona, name, _data in BAD_INPUT
        if 'class="errorlist' not in rendered.get(f"{name} as {persona}, bad input", "")
        and 'class="error' not in rendered.get(f"{name} as {persona}, bad input", "")
    ]
    assert not silent, f"no error shown: {silent}"


def test_each_known_english_text_is_still_there(rendered: dict[str, str]) -> None:
    texts = [visible_text(page) for page in rendered.values()]
    gone = [known for known in ENGLISH_NOT_YET_TRANSLATED if not any(known in t for t in texts)]
    assert not gone, f"translated now: remove from ENGLISH_NOT_YET_TRANSLATED: {gone}"


# A drawing's coordinates are numbers for the browser, never in the reader's locale ("12,0"
# is no length: Chromium logs an error and draws the point at 0).
LOCALIZED_COORDINATE = re.compile(r'\s(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height)="-?\d+,\d')


def test_no_drawing_has_a_danish_decimal_comma_in_its_coordinates(
    rendered: dict[str, str],
) -> None:
    found = sorted(label for label, page in rendered.items() if LOCALIZED_COORDINATE.search(page))
    assert not found, f"coordinates with a decimal comma on: {found}"
    assert LOCALIZED_COORDINATE.search('<circle cx="46,0" cy="1">')


def test_the_check_would_catch_an_untranslated_message(missing: MissingDanish) -> None:
    from django.utils import translation

    with translation.override("da"):
        assert translation.gettext("Worklist") != "Worklist"
        translation.gettext("A sentence painpath never translated")
    assert "A sentence painpath never translated" in missing.found
    assert "Worklist" not in missing.found
    assert ENGLISH.search("Pain since 3 weeks") and not ENGLISH.search("Smerter i 3 uger")


# A date written the ISO way ("2026-11-30") in a page's visible text: Danish pages show dates
# the Danish way (issue 14). Machine-readable dates stay ISO where no reader sees them: form
# inputs' values and <time datetime="…">, which visible_text leaves out.
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")


def test_no_iso_date_in_the_visible_text_of_danish_pages(rendered: dict[str, str]) -> None:
    found = []
    for label, page in sorted(rendered.items()):
        for line in visible_text(page).splitlines():
            if match := ISO_DATE.search(line):
                found.append(f"{label}: {match.group(0)!r} in {line[:120]!r}")
    assert not found, f"{len(found)} ISO dates on Danish pages:\n" + "\n".join(dict.fromkeys(found))
    assert ISO_DATE.search("hævet 2026-11-30") and not ISO_DATE.search("hævet 30.11.2026")
