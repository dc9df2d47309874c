from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def sync_roles(**kwargs: Any) -> None:
    """Create the installation-wide role groups (the site administrator's) and give them
    exactly their permissions (after every migrate: permissions themselves are only created
    post-migrate). Clinic roles are no groups: a membership holds them, per clinic."""
    from django.contrib.auth.models import Group, Permission

    from painpath.accounts.roles import CLINIC_ROLES, PERMISSIONS

    for role, wanted in PERMISSIONS.items():
        if role in CLINIC_ROLES:
            continue
        group, _ = Group.objects.get_or_create(name=role)
        perms = [
            Permission.objects.filter(content_type__app_label=app, codename=codename).first()
            for app, codename in wanted
        ]
        group.permissions.set([perm for perm in perms if perm is not None])


class AccountsConfig(AppConfig):
    name = "painpath.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib import admin

        from painpath.accounts.admin import PainpathAdminSite

        post_migrate.connect(sync_roles, dispatch_uid="painpath.accounts.sync_roles")
        # Swap the class of the default site (keeping its registry and the "admin" URL
        # namespace) so that every admin page needs the second factor and the role.
        admin.site.__class__ = PainpathAdminSite
