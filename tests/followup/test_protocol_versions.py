"""Follow-up protocols as versioned records: a new version (edited or imported) is validated
by the core loader, audited, used by new plans; a plan keeps the version it started with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.core.followup import ProtocolError, builtin_protocol_texts, builtin_protocols
from painpath.followup import services
from painpath.followup.models import ProtocolVersion
from painpath.patients.models import Clinic, Episode, Patient

pytestmark = pytest.mark.django_db

SHIPPED = builtin_protocols()["default"]


def edited(version: str = "9.0.0", **replace: str) -> str:
    text = builtin_protocol_texts()["default"].replace(
        f"version: {SHIPPED.version}", f"version: {version}"
    )
    text = text.replace("  - {months: 24, window_days: 30}\n", "")  # no 24-month point
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_a_new_version_is_stored_with_its_note_and_audited(clinician: User, clinic: Clinic) -> None:
    row = services.save_protocol(
        edited(), note="No 24-month point", user=clinician, clinic=clinic, protocol_id="default"
    )

    assert (row.protocol_id, row.version, row.note) == ("default", "9.0.0", "No 24-month point")
    assert row.created_by == clinician
    entry = AuditEntry.objects.get(code="followup.protocol.saved")
    assert entry.detail["version"] == "9.0.0" and entry.detail["previous"] == SHIPPED.version
    current = services.current_protocols(clinic.pk)["default"]
    assert (current.version, current.source) == ("9.0.0", services.EDITED)
    assert [e.version for e in services.protocol_versions("default", clinic.pk)] == [
        "9.0.0",
        SHIPPED.version,
    ]


def test_a_bad_protocol_is_refused_with_the_loaders_message_and_nothing_stored(
    clinician: User, clinic: Clinic
) -> None:
    bad = edited(**{"index_event: first_visit": "index_event: someday"})
    with pytest.raises(ProtocolError, match="index_event 'someday'; use one of"):
        services.save_protocol(
            bad, note="typo", user=clinician, clinic=clinic, protocol_id="default"
        )
    with pytest.raises(ProtocolError, match="higher than the current"):
        services.save_protocol(
            edited(SHIPPED.version),
            note="same",
            user=clinician,
            clinic=clinic,
            protocol_id="default",
        )
    with pytest.raises(ProtocolError, match="must stay default"):
        services.save_protocol(
            edited(**{"id: default": "id: other"}),
            note="x",
            user=clinician,
            clinic=clinic,
            protocol_id="default",
        )

    assert not ProtocolVersion.objects.exists()
    assert not AuditEntry.objects.filter(code="followup.protocol.saved").exists()


def test_new_plans_use_the_new_version_and_old_plans_keep_theirs(
    episode: Episode, clinician: User, clinic: Clinic
) -> None:
    today = timezone.localdate()
    old = services.start_plan(episode, "default", today, clinician, language="en")
    services.withdraw(old, clinician)
    services.save_protocol(
        edited(), note="No 24-month point", user=clinician, clinic=clinic, protocol_id="default"
    )

    new = services.start_plan(episode, "default", today, clinician, language="en")

    assert new.protocol_version == "9.0.0"
    assert sorted(new.points.values_list("months", flat=True)) == [3, 6, 12]
    assert services.protocol_of(new).version == "9.0.0"
    old.refresh_from_db()
    assert old.protocol_version == SHIPPED.version
    assert services.protocol_of(old) == SHIPPED
    assert sorted(old.points.values_list("months", flat=True)) == [3, 6, 12, 24]


def test_an_import_may_add_a_protocol(clinician: User, clinic: Clinic) -> None:
    text = edited("1.0.0", **{"id: default": "id: clinic-own"})
    services.save_protocol(text, note="our own", user=clinician, clinic=clinic, how="imported")

    assert services.protocols(clinic.pk)["clinic-own"].version == "1.0.0"
    assert AuditEntry.objects.get(code="followup.protocol.saved").detail["how"] == "imported"


def test_a_version_is_never_changed(clinician: User, clinic: Clinic) -> None:
    row = services.save_protocol(
        edited(), note="n", user=clinician, clinic=clinic, protocol_id="default"
    )
    row.note = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        row.save()


# -- each clinic's own ----------------------------------------------------------------------


def test_two_clinics_write_the_same_version_and_each_plan_keeps_its_own(
    clinician: User, clinic: Clinic, other_clinic: Clinic, episode: Episode
) -> None:
    other_patient = Patient.objects.create(
        name="Other Patient (synthetic)",
        date_of_birth=dt.date(1980, 1, 1),
        sex="male",
        synthetic=True,
        clinic=other_clinic,
    )
    other_episode = Episode.objects.create(patient=other_patient, complaint="Neck", region="neck")
    services.save_protocol(edited(), note="A: no 24", user=clinician, clinic=clinic)
    longer = edited(
        **{"  - {months: 12, window_days: 30}\n": "  - {months: 12, window_days: 60}\n"}
    )
    services.save_protocol(longer, note="B: 12 wider", user=clinician, clinic=other_clinic)
    today = timezone.localdate()

    mine = services.start_plan(episode, "default", today, clinician, language="en")
    theirs = services.start_plan(other_episode, "default", today, clinician, language="en")

    assert mine.protocol_version == theirs.protocol_version == "9.0.0"
    assert services.protocol_of(mine).timepoints != services.protocol_of(theirs).timepoints
    windows = dict(theirs.points.values_list("months", "window_end"))
    assert windows[12] - dict(mine.points.values_list("months", "window_end"))[12] == dt.timedelta(
        days=30
    )
    assert [e.row.note for e in services.protocol_versions("default", clinic.pk) if e.row] == [
        "A: no 24"
    ]
    entry = AuditEntry.objects.filter(code="followup.protocol.saved").order_by("id").last()
    assert entry is not None and entry.detail["clinic"] == other_clinic.code


def test_a_third_clinic_still_starts_on_the_shipped_version(
    clinician: User, clinic: Clinic
) -> None:
    services.save_protocol(edited(), note="A only", user=clinician, clinic=clinic)
    third = Clinic.objects.create(code="third", name="Third Clinic (synthetic)")

    assert services.protocols(third.pk)["default"] == SHIPPED
    assert services.protocol_versions("default", third.pk)[0].source == services.SHIPPED
    assert services.find_protocol("default", "9.0.0", third.pk) == SHIPPED  # not A's
