"""Links that reach the patient (issue 14): the issue form's defaults and errors, sending by
e-mail or text message (audited, masked, all or nothing), the validity in the user's locale."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any, ClassVar

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from painpath.audit.models import AuditEntry
from painpath.followup.sms import LocmemBackend, SentSms
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires import sending, services
from painpath.questionnaires.models import IntakeLink

pytestmark = pytest.mark.django_db

LOCMEM_SMS = "painpath.followup.sms.LocmemBackend"


class BrokenSms:
    """A gateway that is down; its error quotes what it was given, as some do."""

    calls: ClassVar[int] = 0

    def send(self, to: str, text: str) -> None:
        BrokenSms.calls += 1
        raise ConnectionError(f"gateway refused {to}: {text}")


class SentThenFailedSms:
    """The message went out, then the gateway reported a failure (a timeout, say)."""

    def send(self, to: str, text: str) -> None:
        LocmemBackend.outbox.append(SentSms(to, text))
        raise TimeoutError("no answer from the gateway")


@pytest.fixture
def contactable(episode: Episode) -> Episode:
    patient = episode.patient
    patient.email = "test.patient@example.invalid"  # synthetic
    patient.phone = "+45 20 30 40 52"  # synthetic
    patient.save()
    clinic = patient.clinic
    clinic.phone = "+45 55 55 55 01"
    clinic.name = "Smerteklinikken Demo (synthetic)"
    clinic.save()
    return episode


def issue_url(episode: Episode) -> str:
    return reverse("questionnaires:issue", args=[episode.public_id])


def post(client: Client, episode: Episode, **changes: Any) -> Any:
    data = {"instruments": ["nrs", "odi"], "language": "da", "days": "14", "channel": "show"}
    data.update(changes)
    return client.post(issue_url(episode), {k: v for k, v in data.items() if v is not None})


def audit_text() -> str:
    return json.dumps(list(AuditEntry.objects.values("code", "detail", "path")), default=str)


# -- the form --------------------------------------------------------------------------------


def test_the_form_opens_with_the_clinics_defaults_and_no_errors(
    clinician_client: Client, episode: Episode, clinic: Clinic
) -> None:
    clinic.link_days = 21
    clinic.questionnaire_sets = {"low_back": ["nrs", "rmdq", "eq5d5l", "retired_code"]}
    clinic.save()
    response = clinician_client.get(issue_url(episode))
    html = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound and not form.errors
    # A code the form no longer offers is not preselected (it would fail on its own default).
    assert form.initial["instruments"] == ["nrs", "rmdq", "eq5d5l"]
    assert form.initial["days"] == 21 and form.initial["channel"] == "show"
    assert 'value="rmdq" id="id_instruments_' in html or 'value="rmdq"' in html
    checked = [
        chunk.split('value="', 1)[1].split('"', 1)[0]
        for chunk in html.split("<input")
        if 'name="instruments"' in chunk and "checked" in chunk.split(">", 1)[0]
    ]
    assert checked == ["nrs", "rmdq", "eq5d5l"] or sorted(checked) == sorted(
        ["nrs", "rmdq", "eq5d5l"]
    )
    assert 'class="error' not in html and "error-summary" not in html


def test_a_link_with_no_questionnaire_is_refused_naming_the_field(
    clinician_client: Client, episode: Episode
) -> None:
    response = post(clinician_client, episode, instruments=None)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Questionnaires: choose at least one questionnaire for the link." in html
    assert 'href="#id_instruments_0"' in html  # the error summary leads to the field
    assert not IntakeLink.objects.exists()


def test_the_form_names_the_field_in_danish(clinician_client: Client, episode: Episode) -> None:
    with translation.override("da"):
        response = clinician_client.post(
            issue_url(episode),
            {"language": "da", "days": "0", "channel": "show"},
            HTTP_ACCEPT_LANGUAGE="da",
        )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Spørgeskemaer: vælg mindst ét spørgeskema til linket." in html
    assert "Gyldigt i: skriv et antal dage fra 1 til 90." in html


def test_only_the_patients_own_contacts_are_offered_masked(
    clinician_client: Client, episode: Episode
) -> None:
    with override_settings(PAINPATH_SMS_BACKEND=LOCMEM_SMS):
        bare = clinician_client.get(issue_url(episode)).context["form"]
        assert [value for value, _label in bare.fields["channel"].choices] == ["show"]
        patient = episode.patient
        patient.email, patient.phone = "test.patient@example.invalid", "+45 20 30 40 52"
        patient.save()
        html = clinician_client.get(issue_url(episode)).content.decode()
    assert "t•••@example.invalid" in html and "••••52" in html
    assert "test.patient@" not in html and "20 30 40 52" not in html


def test_a_text_message_is_not_offered_where_none_can_be_sent(
    clinician_client: Client, contactable: Episode
) -> None:
    with override_settings(PAINPATH_SMS_BACKEND="painpath.followup.sms.DisabledBackend"):
        form = clinician_client.get(issue_url(contactable)).context["form"]
        refused = post(clinician_client, contactable, channel="sms")
    assert [value for value, _label in form.fields["channel"].choices] == ["show", "email"]
    assert "painpath sends no text messages here" in refused.content.decode()
    assert refused.status_code == 422 and not IntakeLink.objects.exists()


# -- sending ---------------------------------------------------------------------------------


def test_an_emailed_link_names_the_clinic_and_its_phone_and_is_audited_masked(
    clinician_client: Client, contactable: Episode
) -> None:
    response = post(clinician_client, contactable, channel="email")
    html = response.content.decode()
    assert response.status_code == 200
    (message,) = mail.outbox
    link = IntakeLink.objects.get()
    assert message.to == ["test.patient@example.invalid"]
    assert "Smerteklinikken Demo (synthetic)" in message.subject
    assert "Smerteklinikken Demo (synthetic)" in message.body and "+45 55 55 55 01" in message.body
    token = message.body.split("/q/p/", 1)[1].split("/", 1)[0]
    assert IntakeLink.objects.get(token_hash=link.token_hash) == link
    # Danish, the language the patient starts in, with the validity as Danes write it.
    assert "Åbn linket for at begynde:" in message.body
    assert " kl. " in message.body
    assert "Sendt med e-mail til t•••@example.invalid." in html or "t•••@example.invalid" in html
    assert token not in html  # sent, not shown
    sent = AuditEntry.objects.get(code="questionnaires.link.sent")
    assert sent.patient == contactable.patient and sent.object_id == str(link.pk)
    assert sent.detail == {"channel": "email", "to": "t•••@example.invalid"}
    assert token not in audit_text() and "test.patient@" not in audit_text()


def test_a_link_goes_out_through_an_anymail_provider_backend(
    clinician_client: Client, contactable: Episode
) -> None:
    # Production sends through django-anymail (EMAIL_BACKEND=anymail.backends.<provider>…);
    # its test backend stands in for the provider's API, recording what would be sent.
    with override_settings(
        EMAIL_BACKEND="anymail.backends.test.EmailBackend",
        ANYMAIL={"TEST_SAMPLE_SETTING": "synthetic"},
    ):
        response = post(clinician_client, contactable, channel="email")
    assert response.status_code == 200
    (message,) = mail.outbox
    assert message.to == ["test.patient@example.invalid"]
    assert message.anymail_test_params["to"][0].addr_spec == "test.patient@example.invalid"
    assert "Smerteklinikken Demo (synthetic)" in message.body
    assert AuditEntry.objects.filter(code="questionnaires.link.sent").count() == 1


def test_a_text_message_names_the_clinic_and_its_phone(
    clinician_client: Client, contactable: Episode
) -> None:
    LocmemBackend.outbox.clear()
    with override_settings(PAINPATH_SMS_BACKEND=LOCMEM_SMS):
        response = post(clinician_client, contactable, channel="sms", language="en")
    assert response.status_code == 200
    (text,) = LocmemBackend.outbox
    assert text.to == "+45 20 30 40 52"
    assert text.text.startswith("Smerteklinikken Demo (synthetic): ")
    assert "Questions? Call +45 55 55 55 01." in text.text
    assert "/q/p/" in text.text
    entry = AuditEntry.objects.get(code="questionnaires.link.sent")
    assert entry.detail == {"channel": "sms", "to": "••••52"}


def test_a_failed_send_withdraws_the_link_and_says_why(
    clinician_client: Client, contactable: Episode
) -> None:
    with override_settings(PAINPATH_SMS_BACKEND=f"{__name__}.BrokenSms"):
        response = post(clinician_client, contactable, channel="sms")
    html = response.content.decode()
    assert BrokenSms.calls >= 1
    assert response.status_code == 422
    # The link was made before sending (no lock held while a gateway answers), and
    # withdrawn when the message failed: nobody can open it, even if it arrived after all.
    link = IntakeLink.objects.get()
    assert link.revoked_at is not None and not link.usable()
    assert not AuditEntry.objects.filter(code="questionnaires.link.sent").exists()
    failed = AuditEntry.objects.get(code="questionnaires.link.send_failed")
    assert failed.object_id == str(link.pk) and failed.patient == contactable.patient
    # The gateway's error quoted the number and the text: kept masked and without the link.
    assert failed.detail["to"] == "••••52"
    assert failed.detail["reason"].startswith("gateway refused ••••52: ")
    assert "/q/p/" not in audit_text() and "20 30 40 52" not in audit_text()
    assert "••••52" in html and "The link was withdrawn" in html
    assert "/q/p/" not in html


def test_a_withdrawn_links_message_cannot_be_opened(
    clinician_client: Client, contactable: Episode, settings: Any
) -> None:
    LocmemBackend.outbox.clear()
    settings.PAINPATH_SMS_BACKEND = f"{__name__}.SentThenFailedSms"
    post(clinician_client, contactable, channel="sms")
    (text,) = LocmemBackend.outbox
    path = "/q/p/" + text.text.split("/q/p/", 1)[1].split("/", 1)[0] + "/"
    opened = Client().get(path)
    assert opened.status_code == services.LinkRevoked.status


def test_an_email_is_refused_when_it_would_be_written_to_the_server(
    clinician_client: Client, contactable: Episode
) -> None:
    with override_settings(
        DEBUG=False, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    ):
        response = post(clinician_client, contactable, channel="email")
    assert response.status_code == 422
    assert "EMAIL_BACKEND writes it to the server" in response.content.decode()
    assert not IntakeLink.objects.exists()


def test_the_issued_page_shows_the_link_and_its_validity_in_danish(
    clinician_client: Client, episode: Episode
) -> None:
    response = clinician_client.post(
        issue_url(episode),
        {"instruments": ["nrs"], "language": "da", "days": "14", "channel": "show"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    html = response.content.decode()
    link = IntakeLink.objects.get()
    assert "<svg" in html and "/q/p/" in html
    expected = sending.local_datetime(link.expires_at, "da")
    assert f"Gyldigt til {expected}." in html or expected in html


# -- the validity, as the language writes it -------------------------------------------------

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        (dt.datetime(2026, 12, 14, 1, 9, tzinfo=CPH), "da", "14. dec. 2026 kl. 01.09"),
        (dt.datetime(2026, 5, 3, 17, 30, tzinfo=CPH), "da", "3. maj 2026 kl. 17.30"),
        # Stored in UTC, shown in the clinic's time zone (summer time: +2 hours).
        (dt.datetime(2026, 6, 30, 22, 5, tzinfo=dt.UTC), "da", "1. jul. 2026 kl. 00.05"),
        (dt.datetime(2026, 12, 14, 1, 9, tzinfo=CPH), "de", "14. Dezember 2026 01:09"),
        (dt.datetime(2026, 12, 14, 1, 9, tzinfo=CPH), "en", "Dec. 14, 2026, 1:09 a.m."),
    ],
)
def test_the_validity_is_written_as_the_language_writes_it(
    moment: dt.datetime, language: str, expected: str
) -> None:
    assert sending.local_datetime(moment, language) == expected


def test_the_patient_sees_until_when_the_link_works_in_their_language(
    episode: Episode, clinician: User
) -> None:
    link, path = services.issue_link(episode, ["nrs"], "da", clinician, days=14)
    html = Client().get(path).content.decode()
    assert f"Linket virker indtil {sending.local_datetime(link.expires_at, 'da')}." in html
    assert " kl. " in html


def test_a_german_speaking_patient_gets_the_message_in_german(
    clinician_client: Client, contactable: Episode
) -> None:
    response = post(clinician_client, contactable, channel="email", language="de")
    assert response.status_code == 200
    (message,) = mail.outbox
    assert message.subject == "Fragen von Smerteklinikken Demo (synthetic)"
    assert "Öffnen Sie diesen Link, um zu beginnen:" in message.body
    assert "Telefon: +45 55 55 55 01" in message.body
    link = IntakeLink.objects.get()
    assert f"Der Link funktioniert bis {sending.local_datetime(link.expires_at, 'de')}." in (
        message.body
    )


class EchoingSms:
    """A gateway whose error echoes its request as the provider wrote it: the number in its
    international form without spaces, the text JSON-escaped (the link's slashes as \\/)."""

    sent: ClassVar[list[str]] = []

    def send(self, to: str, text: str) -> None:
        EchoingSms.sent.append(text)
        number = "+" + "".join(ch for ch in to if ch.isdigit())
        url = next(word for word in text.split() if "/q/p/" in word)
        raise ConnectionError(json.dumps({"to": number, "url": url}).replace("/", "\\/"))


def test_a_failed_sends_reason_keeps_neither_the_number_nor_the_token_however_quoted(
    clinician_client: Client, contactable: Episode
) -> None:
    with override_settings(PAINPATH_SMS_BACKEND=f"{__name__}.EchoingSms"):
        response = post(clinician_client, contactable, channel="sms", language="en")
    assert response.status_code == 422
    token = EchoingSms.sent[-1].split("/q/p/", 1)[1].split("/", 1)[0]
    reason = AuditEntry.objects.get(code="questionnaires.link.send_failed").detail["reason"]
    assert "4520304052" not in reason and "••••52" in reason
    assert token not in reason and token not in response.content.decode()
