"""Load the demo clinic. For now: a demo administrator; patients follow with the clinic app.

Everything it creates is synthetic and marked so.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo-admin"
DEMO_PASSWORD = "painpath-demo"


class Command(BaseCommand):
    help = "Create the synthetic demo logins (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Demo (synthetic)"},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        state = "created" if created else "reset"
        self.stdout.write(f"demo login {state}: {DEMO_USERNAME} / {DEMO_PASSWORD} (synthetic)")
