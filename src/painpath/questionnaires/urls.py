from django.urls import path

from painpath.questionnaires import views

app_name = "questionnaires"
urlpatterns = [
    path("issue/<uuid:episode_id>/", views.issue, name="issue"),
    path("p/<str:token>/", views.start, name="start"),
    path("p/<str:token>/consent/", views.consent, name="consent"),
    path("p/<str:token>/<int:number>/", views.page, name="page"),
    path("p/<str:token>/review/", views.review, name="review"),
    path("p/<str:token>/submit/", views.submit, name="submit"),
    path("p/<str:token>/done/", views.done, name="done"),
]
