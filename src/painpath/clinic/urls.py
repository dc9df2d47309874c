from django.urls import path

from painpath.clinic import answers, summary, views

app_name = "clinic"
urlpatterns = [
    path("clinic/", views.worklist, name="worklist"),
    path("clinic/settings/", views.clinic_settings, name="settings"),
    path("patients/<uuid:public_id>/", views.patient_detail, name="patient"),
    path(
        "patients/<uuid:public_id>/episodes/<uuid:episode_id>/",
        views.patient_detail,
        name="episode",
    ),
    path(
        "patients/<uuid:public_id>/consent/withdraw/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
    path("clinic/episodes/<uuid:episode_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("clinic/episodes/<uuid:episode_id>/sessions/", views.log_session, name="log_session"),
    path("clinic/episodes/<uuid:episode_id>/courses/", views.add_course, name="add_course"),
    path("clinic/episodes/<uuid:episode_id>/imaging/", views.add_imaging, name="add_imaging"),
    path(
        "clinic/episodes/<uuid:episode_id>/medications/",
        views.add_medication,
        name="add_medication",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/medications/decision/",
        views.decide_medication,
        name="decide_medication",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/procedure/", views.book_procedure, name="book_procedure"
    ),
    path("clinic/episodes/<uuid:episode_id>/readiness/", views.set_readiness, name="set_readiness"),
]

# Follow-up protocols: the clinic's own versions, kept by its clinic administrators.
urlpatterns += [
    path("clinic/protocols/", views.protocol_list, name="protocols"),
    path("clinic/protocol-import/", views.protocol_import, name="protocol_import"),
    path("clinic/protocols/<slug:protocol_id>/", views.protocol_detail, name="protocol"),
    path("clinic/protocols/<slug:protocol_id>/edit/", views.protocol_edit, name="protocol_edit"),
    path(
        "clinic/protocols/<slug:protocol_id>/<str:version>/yaml/",
        views.protocol_export,
        name="protocol_export",
    ),
]

# The patient's own answers and the one-page summary (clinic.answers, clinic.summary). A
# response is named by its submission id (a UUID, unique), never by its row number.
urlpatterns += [
    path(
        "clinic/episodes/<uuid:episode_id>/answers/<uuid:response_id>/",
        answers.answers_view,
        name="answers",
    ),
    path("clinic/episodes/<uuid:episode_id>/intake/", answers.intake_view, name="intake_answers"),
    path("clinic/episodes/<uuid:episode_id>/summary/", summary.summary_view, name="summary"),
    path(
        "clinic/episodes/<uuid:episode_id>/summary.pdf",
        summary.summary_file,
        {"file_format": "pdf"},
        name="summary_pdf",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/summary.txt",
        summary.summary_file,
        {"file_format": "txt"},
        name="summary_txt",
    ),
]

# The record (issue 14): notes, ICD-10 diagnoses, work status, opioids as OME, allergies.
from painpath.clinic import record  # noqa: E402

urlpatterns += [
    path(
        "clinic/episodes/<uuid:episode_id>/record/notes/", record.add_note, name="record_add_note"
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/diagnoses/",
        record.add_diagnosis,
        name="record_add_diagnosis",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/diagnoses/<int:entry_id>/remove/",
        record.remove_diagnosis,
        name="record_remove_diagnosis",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/opioids/<int:entry_id>/stop/",
        record.stop_opioid,
        name="record_stop_opioid",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/allergies/<int:entry_id>/remove/",
        record.remove_allergy,
        name="record_remove_allergy",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/work/",
        record.record_work_status,
        name="record_work_status",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/opioids/",
        record.add_opioid,
        name="record_add_opioid",
    ),
    path(
        "clinic/episodes/<uuid:episode_id>/record/allergies/",
        record.add_allergy,
        name="record_add_allergy",
    ),
]

# Instruments only a clinician can answer (the full DN4's examination), recorded at the visit.
from painpath.clinic import examination  # noqa: E402

urlpatterns += [
    path(
        "clinic/episodes/<uuid:episode_id>/examination/",
        examination.record_view,
        name="record_examination",
    ),
]
