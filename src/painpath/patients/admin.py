from django.contrib import admin

from painpath.patients.models import Clinic


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
