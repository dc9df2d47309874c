from django.urls import path

from painpath.api import views

app_name = "api_clients"
urlpatterns = [
    path("", views.clients, name="list"),
    path("<int:client_id>/revoke/", views.revoke, name="revoke"),
]
