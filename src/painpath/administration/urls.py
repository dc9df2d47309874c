from django.urls import path

from painpath.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.log, name="audit_log"),
]
