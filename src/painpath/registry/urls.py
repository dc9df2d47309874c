from django.urls import include, path

from painpath.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("upload/", views.upload, name="upload"),
    path("combined/", views.combined, name="combined"),
    path("workbench/", include("painpath.registry.workbench_urls")),
]
