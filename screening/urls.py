"""URLs of the screening app; the screens arrive with issue 4."""

urlpatterns: list = []
