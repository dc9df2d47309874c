"""Manage API clients from the shell: ``list``, ``create`` (prints the token once) and
``revoke``. A registry's client (``--site``, no clinic) is made here only: the clinic
administrator's screen makes the clinic's own."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from painpath.api import services
from painpath.api.models import ApiClient, Scope
from painpath.patients.models import Clinic


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "List, create or revoke API clients (docs/api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="Every client: id, name, clinic or site, scopes, status.")
        create = actions.add_parser("create", help="A new client; prints its token once.")
        create.add_argument("--name", required=True)
        where = create.add_mutually_exclusive_group(required=True)
        where.add_argument("--clinic", help="The clinic's code (a clinic's client).")
        where.add_argument("--site", help="The registry site's code (a registry client).")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=[s.value for s in Scope],
            help="Repeat for each scope.",
        )
        revoke = actions.add_parser("revoke", help="Stop a client's token working.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        for c in ApiClient.objects.select_related("clinic").order_by("id"):
            where = f"clinic {c.clinic.code}" if c.clinic else f"site {c.site_code}"
            status = f"revoked {c.revoked_at:%Y-%m-%d}" if c.revoked_at else "active"
            self.stdout.write(f"{c.pk}\t{c.name}\t{where}\t{','.join(c.scopes)}\t{status}")

    def _create(self, options: dict[str, Any]) -> None:
        clinic = None
        if options["clinic"]:
            clinic = Clinic.objects.filter(code=options["clinic"]).first()
            if clinic is None:
                codes = ", ".join(Clinic.objects.values_list("code", flat=True)) or "none"
                raise _fail(f"--clinic {options['clinic']}: no such clinic (known: {codes})")
        try:
            client, token = services.create_client(
                options["name"],
                clinic=clinic,
                scopes=options["scope"],
                site_code=options["site"] or "",
            )
        except services.ClientError as error:
            raise _fail(str(error)) from None
        self.stdout.write(f"client {client.pk} ({client.name}); token, shown only now:")
        self.stdout.write(token)

    def _revoke(self, options: dict[str, Any]) -> None:
        client = ApiClient.objects.filter(pk=options["id"]).first()
        if client is None:
            raise _fail(f"no API client {options['id']} (see: api_client list)")
        services.revoke_client(client)
        self.stdout.write(f"client {client.pk} ({client.name}) revoked")
