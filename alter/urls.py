"""URL configuration for ALTER Screen."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

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
    # The language switch, offered on the login page too: open to anonymous users (it sets
    # a cookie and redirects to a page of this site).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("screening.urls")),
]

# A fault page in the app's layout that never queries the database (screening/views/faults.py).
handler500 = "screening.views.faults.server_error"
# 403 and 404 are Django's own handlers: they render templates/403.html and 404.html with the
# request's context (the menu of the signed-in user).
