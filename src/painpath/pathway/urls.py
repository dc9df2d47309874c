from django.urls import path

from painpath.pathway import views

app_name = "pathway"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("episodes/<uuid:episode_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("episodes/<uuid:episode_id>/sessions/", views.log_session, name="log_session"),
    path("episodes/<uuid:episode_id>/courses/", views.add_course, name="add_course"),
    path("episodes/<uuid:episode_id>/imaging/", views.add_imaging, name="add_imaging"),
    path("episodes/<uuid:episode_id>/medications/", views.add_medication, name="add_medication"),
    path("episodes/<uuid:episode_id>/procedure/", views.book_procedure, name="book_procedure"),
    path("episodes/<uuid:episode_id>/readiness/", views.set_readiness, name="set_readiness"),
]
