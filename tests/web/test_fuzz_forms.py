"""Random input to every form of the web app: none answers 5xx or shows a traceback, and a
refused form writes nothing.

Every URL of the persona table (``tests/web/test_url_access.py``) is sent random data by a
persona allowed to use it — as a POST where the view takes one, as a query string where it
reads one, and as a stray query string everywhere else. The values are the form's own valid
ones mixed with NUL bytes, very long text, bytes that are not UTF-8 (UTF-16 surrogates among
them), ``1e309``, ``NaN``, negative and huge numbers and random or impossible dates; fields
are left out and extra ones added at random. A request is refused when its status is 4xx,
its page shows form errors, or its redirect carries an error message: then no table but the
audit log, the session and the sign-in throttling has changed.

Deterministic by default (``derandomize``); ``FUZZ_RANDOM=1`` explores new examples and
``FUZZ_EXAMPLES=n`` sets the examples per URL.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

import polars as pl
import pytest
from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.test_url_access import (
    ACCESS,
    ANONYMOUS,
    World,
    by_protocol,
    by_protocol_version,
    by_stale_invitation,
    classified_names,
    snapshot,
)

from painpath.accounts.forms import CodeForm, LanguageForm, PasswordForm
from painpath.accounts.models import Profile
from painpath.administration.forms import (
    AccountActiveForm,
    AuditSearchForm,
    ConfirmForm,
    InviteForm,
    MembershipForm,
)
from painpath.analytics.forms import ReportForm
from painpath.api.forms import ClientForm
from painpath.clinic.forms import ClinicSettingsForm
from painpath.clinic.views import WithdrawConsentForm
from painpath.core.followup import builtin_protocol_texts
from painpath.followup.forms import RecordForm, StartPlanForm, instrument_forms
from painpath.followup.services import start_plan
from painpath.pathway.forms import (
    AcknowledgeForm,
    CourseForm,
    ImagingForm,
    MedicationDecisionForm,
    MedicationForm,
    ProcedureForm,
    ReadinessForm,
    SessionForm,
)
from painpath.pathway.models import TreatmentCourse
from painpath.pathway.services import classify_episode
from painpath.patients.forms import (
    AllergyForm,
    DiagnosisForm,
    EpisodeForm,
    NoteForm,
    OpioidForm,
    PatientForm,
    SearchForm,
    WorkStatusForm,
)
from painpath.patients.models import Clinic, Episode, Medication, Patient
from painpath.questionnaires import services as intake
from painpath.questionnaires.models import IntakeDraft, IntakeLink, QuestionnaireResponse
from painpath.questionnaires.views import IssueForm

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# Tables a refused request may still write: the audit entry of the attempt, the session,
# django-axes' record of a failed sign-in.
MAY_CHANGE_WHEN_REFUSED = frozenset(
    {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
)

# -- values ----------------------------------------------------------------------------------

NASTY: list[bytes] = [
    b"",
    b"\x00",
    b"a\x00b",
    b"1e309",
    b"-1e309",
    b"NaN",
    b"nan",
    b"inf",
    b"-Infinity",
    b"-1",
    b"-0",
    b"0",
    b"99999999999999999999999999",
    b"1" * 500,
    b"\xff\xfe\xfd",
    b"\xed\xa0\x80",  # a UTF-16 surrogate, as UTF-8 would write it (not valid UTF-8)
    b"\xc0\x80",
    "\ud800".encode("utf-8", "surrogatepass"),
    b"%",
    b"0000-00-00",
    b"0001-01-01",
    b"1850-01-01",
    b"9999-12-31",
    b"2024-02-30",
    b"31-12-2024",
    b"00000000-0000-0000-0000-000000000000",
    b"<script>alert(1)</script>",
    b"' OR 1=1 --",
    "æøå ÆØÅ ß €".encode(),
]

long_text = st.integers(min_value=1_000, max_value=200_000).map(lambda n: b"x" * n)
any_text = st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass"))
surrogate_text = st.text(
    alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=4
).map(lambda s: s.encode("utf-8", "surrogatepass"))
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: str(n).encode()),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).encode()),
)
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    lambda d: d.isoformat().encode()
)
nasty = st.one_of(
    st.sampled_from(NASTY),
    any_text,
    surrogate_text,
    long_text,
    numbers,
    dates,
    st.binary(max_size=20),
)


def value(valid: list[str]) -> st.SearchStrategy[bytes]:
    """A valid value twice as often as a nasty one (so that the views get past their
    forms), when the field has any."""
    if not valid:
        return nasty
    ok = st.sampled_from(valid).map(str.encode)
    return st.one_of(ok, ok, nasty)


@st.composite
def _one_off(draw: st.DrawFn, fields: dict[str, list[str]]) -> dict[str, list[bytes]]:
    """Every field valid but one or two: nasty, doubled or left out (so that the view gets
    past its form and into its service with the odd value)."""
    sent = {
        name: [draw(st.sampled_from(valid)).encode()] for name, valid in fields.items() if valid
    }
    names = sorted(fields)
    for name in draw(
        st.lists(st.sampled_from(names), max_size=2, unique=True) if names else st.just([])
    ):
        how = draw(st.sampled_from(["nasty", "twice", "missing"]))
        if how == "missing":
            sent.pop(name, None)
        elif how == "twice":
            sent[name] = [*sent.get(name, []), draw(nasty)]
        else:
            sent[name] = [draw(nasty)]
    return sent


def form_data(fields: dict[str, list[str]]) -> st.SearchStrategy[list[tuple[bytes, bytes]]]:
    """The form's fields, mostly valid with one or two odd ones, or any of them with any
    values; and a few extra fields."""
    optional = {
        name: st.lists(value(valid), min_size=1, max_size=2) for name, valid in fields.items()
    }
    extra = st.dictionaries(
        st.one_of(any_text.filter(bool), st.sampled_from([b"\x00", b"id", b"csrfmiddlewaretoken"])),
        st.lists(nasty, min_size=1, max_size=2),
        max_size=2,
    )
    sent = st.one_of(
        _one_off(fields), _one_off(fields), st.fixed_dictionaries({}, optional=optional)
    )
    return st.tuples(sent, extra).map(
        lambda pair: [
            (name.encode() if isinstance(name, str) else name, each)
            for part in pair
            for name, values in part.items()
            for each in values
        ]
    )


def encoded(pairs: list[tuple[bytes, bytes]]) -> str:
    return "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)


# -- the forms' own valid values -------------------------------------------------------------


def valid_values(form_fields: dict[str, forms.Field]) -> dict[str, list[str]]:
    """Per field, a few values the form accepts (choices, a date, a number)."""
    out: dict[str, list[str]] = {}
    today = timezone.localdate().isoformat()
    for name, f in form_fields.items():
        if isinstance(f, forms.ModelChoiceField):
            out[name] = [str(pk) for pk in f.queryset.values_list("pk", flat=True)[:5]]
        elif isinstance(f, forms.ChoiceField):
            out[name] = [str(key) for key, _label in _flat(f.choices) if key not in ("", None)]
        elif isinstance(f, forms.DateField):
            out[name] = [today, "2025-01-10"]
        elif isinstance(f, forms.BooleanField | forms.NullBooleanField):
            out[name] = ["on", "true", "false"]
        elif isinstance(f, forms.IntegerField | forms.FloatField):
            out[name] = ["1", "5", "10"]
        elif isinstance(f, forms.EmailField):
            out[name] = ["someone@example.org"]
        else:
            out[name] = ["synthetic text"]
        if not f.required:
            out[name].append("")
    return out


def _flat(choices: Any) -> list[tuple[Any, Any]]:
    flat = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat += list(label)
        else:
            flat.append((key, label))
    return flat


def of(form: forms.BaseForm, **extra: list[str]) -> dict[str, list[str]]:
    return {**valid_values(form.fields), **extra}


# -- the world the forms are sent to ---------------------------------------------------------


@dataclass
class Fuzzed:
    world: World
    link: IntakeLink
    token: str
    clients: dict[str, Client] = field(default_factory=dict)


@pytest.fixture
def fuzzed(
    episode: Episode, make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> Fuzzed:
    from painpath.accounts.roles import CLINIC_ADMIN, CLINICIAN, RESEARCHER, SITE_ADMIN
    from painpath.registry.models import Registry, Site

    clinician = make_staff(CLINICIAN)
    TreatmentCourse.objects.create(
        episode=episode, modality="acupuncture", start=timezone.localdate()
    )
    Medication.objects.create(episode=episode, code="apixaban", anticoagulant=True)
    episode.intake = {**episode.intake, "red_flags": {"history_of_cancer": True}}
    episode.save()
    classify_episode(episode)
    start_plan(episode, "default", timezone.localdate(), clinician)
    link, token = IntakeLink.issue(
        episode,
        instruments=["nrs", "odi"],
        language="en",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    IntakeDraft.objects.create(link=link, language="en", page=2, answers={})
    # A stored answer for the answers view to read.
    QuestionnaireResponse.objects.create(episode=episode, instrument="nrs", answers={"nrs": 6})
    world = World(patient=episode.patient, episode=episode, token=token)
    clients = {
        ANONYMOUS: Client(),
        "clinician": verified_client(clinician),
        "clinic_admin": verified_client(make_staff(CLINIC_ADMIN)),
        "site_admin": verified_client(make_staff(SITE_ADMIN)),
        "researcher": verified_client(make_staff(RESEARCHER)),
    }
    # The researcher's clinic a site of a registry, so that the workbench reads its forms.
    registry = Registry(code="fuzz", name="Fuzzed registry (synthetic)")
    registry.set_key()
    registry.save()
    Site.objects.create(
        registry=registry,
        code="fuzz-site",
        name="Fuzz site",
        participation="pooled",
        clinic=episode.patient.clinic,
    )
    return Fuzzed(world=world, link=link, token=token, clients=clients)


@dataclass(frozen=True)
class Target:
    persona: str
    fields: Callable[[Fuzzed], dict[str, list[str]]] = lambda f: {}
    method: str = "post"
    kwargs: Callable[[Fuzzed], dict[str, Any]] | None = None  # else the persona table's
    upload: str = ""  # a file field: sent as multipart
    writes_when_refused: frozenset[str] = frozenset()  # tables a refused request may write


def _episode(f: Fuzzed) -> Episode:
    return f.world.episode


def _page_fields(f: Fuzzed) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"action": ["next", "back", "later"], "advice_shown": ["1"]}
    for page in intake.pages_of(f.link, "en"):
        out.update(valid_values(page.form("en").fields))
    return out


def _page_number(f: Fuzzed) -> dict[str, Any]:
    return {"token": f.token, "number": 1}


def _record_fields(f: Fuzzed) -> dict[str, list[str]]:
    plan = _episode(f).followup_plans.get()
    fields = of(RecordForm(plan=plan))
    for _code, _title, form in instrument_forms(["nrs", "odi"], "en"):
        fields.update(valid_values({form.add_prefix(n): fl for n, fl in form.fields.items()}))
    return fields


def _examination_fields(f: Fuzzed) -> dict[str, list[str]]:
    fields = {"instrument": ["dn4", "dn4i", "nrs"], "answered_on": ["2026-01-05", "2999-01-01"]}
    for _code, _title, form in instrument_forms(["dn4"], "en"):
        fields.update(valid_values({form.add_prefix(n): fl for n, fl in form.fields.items()}))
    return fields


def _protocol_text(f: Fuzzed) -> dict[str, list[str]]:
    return {"note": ["synthetic"], "text": [builtin_protocol_texts()["default"]]}


def _workbench_query() -> dict[str, list[str]]:
    return {
        "registry": ["", "x"],
        "classification": ["column:startback", "shipped:orebro-short", "draft:x", "lca"],
        "second": ["", "lca"],
        "outcome": ["nrs", "x"],
        "timepoint": ["3", "99"],
        "responder": ["mic", "x"],
        "lca_items": ["", "a.b,c", "x" * 50],
        "lca_classes": ["1..4", "9..1", "x"],
    }


QUERY = "query"  # a GET whose view reads a form from the query string
BOTH = "both"  # a GET with a query string or a POST, at random

TARGETS: dict[str, Target] = {
    "home": Target(ANONYMOUS, method=QUERY),
    "health": Target(ANONYMOUS, method=QUERY),
    "accounts:login": Target(
        ANONYMOUS, lambda f: of(PasswordForm(), next=["/clinic/", "//evil.example"])
    ),
    "accounts:verify": Target(ANONYMOUS, lambda f: of(CodeForm())),
    "accounts:otp_setup": Target(ANONYMOUS, lambda f: of(CodeForm())),
    "accounts:profile": Target("clinician", lambda f: of(LanguageForm(instance=Profile()))),
    "accounts:set_password": Target(
        ANONYMOUS, lambda f: of(SetPasswordForm(User())), kwargs=by_stale_invitation
    ),
    "administration:audit_log": Target(
        "site_admin",
        lambda f: of(AuditSearchForm(), cpr=["170570-1233", "0101011234"], page=["1", "2"]),
        method=BOTH,
    ),
    "administration:staff": Target("site_admin", method=QUERY),
    "administration:staff_detail": Target("site_admin", method=QUERY),
    "administration:staff_invite": Target(
        "site_admin", lambda f: of(InviteForm(), username=["new.person", "test-clinician"])
    ),
    "administration:membership_set": Target(
        "clinic_admin",
        lambda f: of(
            MembershipForm(clinics=Clinic.objects.all()),
            username=["test-clinician", "test-site_admin"],
        ),
    ),
    "administration:invitation_renew": Target("site_admin"),
    "administration:second_factor_reset": Target("site_admin", lambda f: of(ConfirmForm())),
    "administration:account_active": Target("site_admin", lambda f: of(AccountActiveForm())),
    "analytics:report": Target(
        "clinician", lambda f: of(ReportForm(None, pl.DataFrame())), method=QUERY
    ),
    "analytics:report_pdf": Target(
        "clinician", lambda f: of(ReportForm(None, pl.DataFrame())), method=QUERY
    ),
    "registry:overview": Target("site_admin", method=QUERY),
    "registry:upload": Target("site_admin", lambda f: {"site": ["1", "0", "x"]}, upload="file"),
    "registry:workbench": Target("researcher", lambda f: _workbench_query(), method=QUERY),
    "registry:workbench_pdf": Target("researcher", lambda f: _workbench_query(), method=QUERY),
    "registry:workbench_drafts": Target("researcher", upload="file"),
    "patients:list": Target("clinician", lambda f: of(SearchForm(), page=["1", "2"]), method=BOTH),
    "patients:choose_clinic": Target(
        "clinician",
        lambda f: {"clinic": [str(pk) for pk in Clinic.objects.values_list("pk", flat=True)]},
    ),
    "patients:create": Target(
        "clinician", lambda f: of(PatientForm(instance=Patient()), cpr=["", "170570-1233"])
    ),
    "patients:edit": Target(
        "clinician", lambda f: of(PatientForm(instance=f.world.patient), cpr=["", "170570-1233"])
    ),
    "patients:episode_create": Target(
        "clinician", lambda f: of(EpisodeForm(instance=Episode(patient=f.world.patient)))
    ),
    "patients:episode_edit": Target("clinician", lambda f: of(EpisodeForm(instance=_episode(f)))),
    "clinic:worklist": Target("clinician", method=QUERY),
    "clinic:settings": Target(
        "clinic_admin", lambda f: of(ClinicSettingsForm(instance=f.world.patient.clinic))
    ),
    "clinic:protocols": Target("clinic_admin", method=QUERY),
    # The clinic's API clients (a new one, revoking one) and the API's document and page.
    "api_clients:list": Target("clinic_admin", lambda f: of(ClientForm())),
    "api_clients:revoke": Target("clinic_admin"),
    "api:openapi-json": Target(ANONYMOUS, method=QUERY),
    "api:openapi-view": Target(ANONYMOUS, method=QUERY),
    "api:api-root": Target(ANONYMOUS, method=QUERY),
    "clinic:protocol": Target("clinic_admin", method=QUERY, kwargs=by_protocol),
    "clinic:protocol_edit": Target("clinic_admin", _protocol_text, kwargs=by_protocol),
    "clinic:protocol_import": Target(
        "clinic_admin", lambda f: {"note": ["synthetic"]}, upload="file"
    ),
    "clinic:protocol_export": Target("clinic_admin", method=QUERY, kwargs=by_protocol_version),
    "clinic:patient": Target("clinician", method=QUERY),
    "clinic:episode": Target("clinician", method=QUERY),
    "clinic:withdraw_consent": Target("clinician", lambda f: of(WithdrawConsentForm())),
    "clinic:acknowledge": Target(
        "clinician",
        lambda f: of(
            AcknowledgeForm(),
            classification=[str(c.pk) for c in _episode(f).classifications.all()],
        ),
    ),
    "clinic:log_session": Target("clinician", lambda f: of(SessionForm(episode=_episode(f)))),
    "clinic:add_course": Target("clinician", lambda f: of(CourseForm())),
    "clinic:add_imaging": Target("clinician", lambda f: of(ImagingForm())),
    "clinic:add_medication": Target("clinician", lambda f: of(MedicationForm())),
    "clinic:decide_medication": Target(
        "clinician",
        lambda f: of(
            MedicationDecisionForm(),
            medication=[str(m.pk) for m in _episode(f).medications.all()],
        ),
    ),
    "clinic:book_procedure": Target("clinician", lambda f: of(ProcedureForm())),
    "clinic:set_readiness": Target("clinician", lambda f: of(ReadinessForm())),
    # Pages that only read: the query string is fuzzed, the persona table gives the ids.
    "clinic:answers": Target("clinician", method=QUERY),
    "clinic:intake_answers": Target("clinician", method=QUERY),
    "clinic:summary": Target("clinician", method=QUERY),
    "clinic:summary_pdf": Target("clinician", method=QUERY),
    "clinic:summary_txt": Target("clinician", method=QUERY),
    "clinic:record_add_note": Target("clinician", lambda f: of(NoteForm())),
    "clinic:record_add_diagnosis": Target("clinician", lambda f: of(DiagnosisForm())),
    "clinic:record_work_status": Target("clinician", lambda f: of(WorkStatusForm())),
    "clinic:record_add_opioid": Target("clinician", lambda f: of(OpioidForm())),
    "clinic:record_add_allergy": Target("clinician", lambda f: of(AllergyForm())),
    "clinic:record_remove_diagnosis": Target("clinician"),
    "clinic:record_stop_opioid": Target("clinician"),
    "clinic:record_remove_allergy": Target("clinician"),
    "followup:start": Target("clinician", lambda f: of(StartPlanForm(episode=_episode(f)))),
    "followup:withdraw": Target("clinician"),
    "followup:record": Target("clinician", _record_fields),
    "clinic:record_examination": Target("clinician", _examination_fields, method=BOTH),
    "questionnaires:issue": Target("clinician", lambda f: of(IssueForm())),
    "questionnaires:start": Target(
        ANONYMOUS,
        lambda f: {"language": ["en", "da", "de"], "next": ["/", "//evil.example"]},
        writes_when_refused=frozenset({"questionnaires.intakedraft"}),
    ),
    "questionnaires:consent": Target(
        ANONYMOUS,
        lambda f: of(intake.consent_form("en"), action=["back", "next"]),
        writes_when_refused=frozenset({"questionnaires.intakedraft"}),
    ),
    # Like the patient's browser, a page keeps what was typed even when it is not valid yet.
    "questionnaires:page": Target(
        ANONYMOUS,
        _page_fields,
        kwargs=_page_number,
        writes_when_refused=frozenset({"questionnaires.intakedraft"}),
    ),
    "questionnaires:review": Target(ANONYMOUS, method=QUERY),
    "questionnaires:submit": Target(
        ANONYMOUS,
        lambda f: {"submission_id": [str(IntakeDraft.objects.get(link=f.link).submission_id)]},
    ),
    "questionnaires:done": Target(ANONYMOUS, method=QUERY),
}

# Left out, and why.
NOT_FUZZED = {
    "accounts:logout": "no form: it signs the persona out",
    **{
        f"api:{name}": "token-authorised JSON, not a form: tests/api/test_schemathesis.py "
        "fuzzes it against its OpenAPI document"
        for name in (
            "submit_intake",
            "read_episode",
            "outcome_report",
            "upload_extract",
            "upload_aggregate",
        )
    },
    "registry:combined": "no form and no query: the researchers' page reads no input",
}


def test_every_url_is_fuzzed_or_says_why_not() -> None:
    names = set(classified_names())
    assert names == set(TARGETS) | set(NOT_FUZZED), (
        f"add to TARGETS: {sorted(names - set(TARGETS) - set(NOT_FUZZED))}; "
        f"stale: {sorted((set(TARGETS) | set(NOT_FUZZED)) - names)}"
    )


def _send(
    client: Client,
    url: str,
    method: str,
    target: Target,
    pairs: list[tuple[bytes, bytes]],
    upload: bytes,
) -> Any:
    if method == QUERY:
        return client.get(f"{url}?{encoded(pairs)}")
    if target.upload:
        data: dict[str, Any] = {}
        for key, each in pairs:
            data.setdefault(key.decode("utf-8", "replace"), []).append(
                each.decode("utf-8", "replace")
            )
        data[target.upload] = SimpleUploadedFile("protocol.yaml", upload)
        return client.post(url, data)
    return client.post(url, encoded(pairs), content_type="application/x-www-form-urlencoded")


def refused(response: Any) -> bool:
    if response.status_code >= 400:
        return True
    if any(
        isinstance(each, forms.BaseForm) and each.is_bound and each.errors
        for context in (response.context or [])
        for each in _values_of(context)
    ):
        return True
    queued = getattr(response.wsgi_request, "_messages", None)
    return any(m.level >= messages.ERROR for m in getattr(queued, "_queued_messages", []))


def _values_of(context: Any) -> list[Any]:
    """The values of a template context (a Context, or one of its dicts)."""
    if hasattr(context, "flatten"):
        return list(context.flatten().values())
    return list(context.values()) if isinstance(context, dict) else []


def _check(
    response: Any, method: str, target: Target, before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert response.status_code < 500, response.status_code
    assert b"Traceback" not in response.content
    if method == "post" and refused(response):
        allowed = MAY_CHANGE_WHEN_REFUSED | target.writes_when_refused
        changed = [t for t in before if t not in allowed and before[t] != after.get(t)]
        assert not changed, f"refused ({response.status_code}) but wrote {changed}"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_random_input_gives_no_server_error_and_a_refusal_writes_nothing(
    name: str, fuzzed: Fuzzed
) -> None:
    target = TARGETS[name]
    kwargs = (target.kwargs or ACCESS[name].kwargs)(fuzzed.world)
    if "number" in kwargs:
        kwargs = {"token": fuzzed.token}
    fields = target.fields(fuzzed)
    client = fuzzed.clients[target.persona]
    pages = len(intake.pages_of(fuzzed.link, "en")) + 1

    @FUZZ
    @given(
        pairs=form_data(fields),
        upload=st.one_of(
            st.binary(max_size=200),
            any_text,
            st.sampled_from([*NASTY, builtin_protocol_texts()["default"].encode()]),
        ),
        number=st.integers(min_value=0, max_value=pages),
        method=st.sampled_from(["post", QUERY])
        if target.method == BOTH
        else st.just(target.method),
    )
    def fuzz(pairs: list[tuple[bytes, bytes]], upload: bytes, number: int, method: str) -> None:
        args = {**kwargs, "number": number} if name == "questionnaires:page" else kwargs
        url = reverse(name, kwargs=args)
        before = snapshot() if method == "post" else {}
        response = _send(client, url, method, target, pairs, upload)
        after = snapshot() if method == "post" else {}
        _check(response, method, target, before, after)

    fuzz()
