from django.urls import path

from painpath.pathway import views

app_name = "pathway"
urlpatterns = [
    path("", views.worklist, name="worklist"),
]
