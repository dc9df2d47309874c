from django.urls import path

from painpath.administration import views

app_name = "administration"
urlpatterns = [
    path("audit/", views.log, name="audit_log"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/roles/", views.membership_set, name="membership_set"),
    path("staff/<int:user_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:user_id>/invitation/", views.invitation_renew, name="invitation_renew"),
    path(
        "staff/<int:user_id>/second-factor/",
        views.second_factor_reset,
        name="second_factor_reset",
    ),
    path("staff/<int:user_id>/active/", views.account_active, name="account_active"),
]
