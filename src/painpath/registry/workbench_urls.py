from django.urls import path

from painpath.registry import workbench_views as views

urlpatterns = [
    path("", views.report, name="workbench"),
    path("pdf/", views.report_pdf, name="workbench_pdf"),
    path("drafts/", views.drafts, name="workbench_drafts"),
]
