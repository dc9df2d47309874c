from django.contrib import admin
from django.urls import include, path

from painpath.api.endpoints import api
from painpath.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("painpath.accounts.urls")),
    # The administrators' screens: /audit/ (the audit log) and /staff/.
    path("", include("painpath.administration.urls")),
    path("patients/", include("painpath.patients.urls")),
    path("q/", include("painpath.questionnaires.urls")),
    # The clinician's workspace: /clinic/ (worklist, quick actions) and /patients/<id>/.
    path("", include("painpath.clinic.urls")),
    path("followup/", include("painpath.followup.urls")),
    path("outcomes/", include("painpath.analytics.urls")),
    path("registry/", include("painpath.registry.urls")),
    path("admin/", admin.site.urls),
    # Integrations: token-authenticated JSON (docs/api.md), and the clinic's clients.
    path("api/v1/", api.urls),
    path("integrations/", include("painpath.api.urls")),
]

# The 500 page in the request's language, with its id; never touches the database.
handler500 = "painpath.web.views.server_error"
