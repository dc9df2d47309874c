# Clinics as tenants. A CPR number is unique within a clinic rather than across the
# installation (one record per clinic; 0006 puts every record into a clinic), clinics get an
# address and a phone, and staff hold their role per clinic
# (Membership) instead of in installation-wide groups: where the installation has one clinic,
# members of the old clinician and researcher groups become its members in that role (with
# several clinics nobody can tell whose staff they were: their administrators give the roles
# again); those groups go (the site administrators' group stays).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CLINIC_ROLE_GROUPS = ("clinician", "researcher")


def roles_into_memberships(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    clinic_model = apps.get_model("patients", "Clinic")
    membership_model = apps.get_model("patients", "Membership")
    clinics = list(clinic_model.objects.all())
    for group in group_model.objects.filter(name__in=CLINIC_ROLE_GROUPS):
        # Only where there is one clinic is it clear whose staff they were; with several,
        # the clinics' administrators give the roles again. Installation accounts (staff
        # flag, superuser) never get a clinic role this way.
        if len(clinics) == 1:
            for user in group.user_set.filter(is_staff=False, is_superuser=False):
                membership_model.objects.get_or_create(
                    user=user, clinic=clinics[0], defaults={"role": group.name}
                )
        group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_medication_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="address",
            field=models.CharField(blank=True, max_length=300, verbose_name="address"),
        ),
        migrations.AddField(
            model_name="clinic",
            name="phone",
            field=models.CharField(blank=True, max_length=40, verbose_name="phone"),
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("clinician", "clinician"),
                            ("secretary", "secretary"),
                            ("researcher", "researcher"),
                            ("clinic administrator", "clinic administrator"),
                        ],
                        max_length=30,
                        verbose_name="role",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="patients.clinic",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
                "ordering": ("clinic__name", "user__username", "id"),
                "constraints": [
                    models.UniqueConstraint(fields=("user", "clinic"), name="one_role_per_clinic")
                ],
            },
        ),
        migrations.RemoveConstraint(model_name="patient", name="unique_cpr"),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cpr_hash", ""), _negated=True),
                fields=("clinic", "cpr_hash"),
                name="unique_cpr_per_clinic",
            ),
        ),
        migrations.RunPython(roles_into_memberships, migrations.RunPython.noop),
    ]
