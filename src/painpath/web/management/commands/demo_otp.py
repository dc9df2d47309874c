"""Print the current one-time code of a demo login (the key is synthetic and published)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.web.management.commands.load_demo import DEMO_DEVICE, DEMO_USERS


class Command(BaseCommand):
    help = "Print the current 6-digit code for a demo login (demo users only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default="demo-clinician")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        # Only the demo logins: their keys are public anyway; a real user's never leaves the
        # database through this command.
        if username not in DEMO_USERS:
            raise CommandError(f"{username!r} is not a demo login ({', '.join(DEMO_USERS)})")
        device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE).first()
        if device is None:
            raise CommandError(f"{username} has no demo authenticator; run load_demo first")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
