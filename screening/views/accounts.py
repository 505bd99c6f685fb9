"""The password change page, its old password counted by the account lockout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views

from screening.forms import LockoutPasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change with :class:`LockoutPasswordChangeForm` (which needs the request)."""

    form_class = LockoutPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
