"""A production installation never prints patients' texts (with their link) to its log: the
console SMS backend is a deployment warning, and the example environment's backend sends
nothing and says so."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from painpath.followup import sms
from painpath.followup.checks import console_sms_in_production

DISABLED = "painpath.followup.sms.DisabledBackend"


@override_settings(DEBUG=False, PAINPATH_SMS_BACKEND=sms.CONSOLE)
def test_the_console_backend_is_a_deployment_warning() -> None:
    (warning,) = console_sms_in_production(None)
    assert warning.id == "painpath.W001"
    with pytest.raises(SystemCheckError, match=r"painpath\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


@override_settings(DEBUG=False, PAINPATH_SMS_BACKEND=DISABLED)
def test_a_disabled_backend_passes_and_refuses_every_text() -> None:
    assert console_sms_in_production(None) == []
    with pytest.raises(RuntimeError, match="PAINPATH_SMS_BACKEND"):
        sms.get_backend().send("+4512345678", "a link")


@override_settings(DEBUG=True, PAINPATH_SMS_BACKEND=sms.CONSOLE)
def test_development_may_print_texts() -> None:
    assert console_sms_in_production(None) == []
