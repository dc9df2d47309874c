# The patient page itself (/patients/<id>/) is the clinician's workspace: painpath.clinic.
from django.urls import path

from painpath.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("working-in/", views.choose_clinic, name="choose_clinic"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/episodes/new/", views.episode_create, name="episode_create"),
    path(
        "<uuid:public_id>/episodes/<uuid:episode_id>/edit/",
        views.episode_edit,
        name="episode_edit",
    ),
]
