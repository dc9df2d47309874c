"""Access checks for staff views: signed in *and* verified with a second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


def verified_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Redirect to the login unless the user has passed two-factor verification."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_verified()):  # type: ignore[union-attr]
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return wrapper
