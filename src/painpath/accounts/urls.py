from django.contrib.auth.views import LogoutView
from django.urls import path

from painpath.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/code/", views.verify, name="verify"),
    path("authenticator/", views.otp_setup, name="otp_setup"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
