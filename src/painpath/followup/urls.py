from django.urls import path

from painpath.followup import views

app_name = "followup"
urlpatterns = [
    path("episodes/<uuid:episode_id>/start/", views.start, name="start"),
    path("episodes/<uuid:episode_id>/withdraw/", views.withdraw, name="withdraw"),
    path("episodes/<uuid:episode_id>/record/", views.record_answer, name="record"),
]
