"""URL configuration for ALTER Screen."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from screening.views import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    # Login, logout and password change only: no password reset by e-mail (no mail server
    # is configured; staff reset passwords in the admin). Wrong old passwords of a password
    # change count towards the account lockout, as failed logins do.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("screening.urls")),
]

# A fault page in the app's layout that never queries the database (screening/views/faults.py).
handler500 = "screening.views.faults.server_error"
