from django.urls import path

from painpath.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
