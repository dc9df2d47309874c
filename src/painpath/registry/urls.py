from django.urls import path

from painpath.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("upload/", views.upload, name="upload"),
    path("combined/", views.combined, name="combined"),
]
