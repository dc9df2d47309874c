from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from painpath.api import services
from painpath.api.models import CLINIC_SCOPES, ApiClient
from painpath.patients.models import Clinic

ALL = [str(s) for s in CLINIC_SCOPES]


@pytest.fixture
def make_token(clinic: Clinic) -> Callable[..., tuple[ApiClient, str]]:
    """``make_token(scopes=ALL, at=clinic)``: a client of the clinic and its token."""

    def make(scopes: list[str] | None = None, at: Clinic | None = None) -> tuple[ApiClient, str]:
        return services.create_client(
            "Test integration (synthetic)", clinic=at or clinic, scopes=scopes or ALL
        )

    return make


@pytest.fixture
def token(make_token: Callable[..., tuple[ApiClient, str]]) -> str:
    return make_token()[1]


@pytest.fixture
def bearer() -> Callable[[str], Client]:
    """``bearer(token)``: a test client that sends the token on every request."""
    return lambda token: Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def api(bearer: Callable[[str], Client], token: str) -> Client:
    """A client of the test clinic with every clinic scope."""
    return bearer(token)
