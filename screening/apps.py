from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"

    def ready(self) -> None:
        from screening import db_roles  # noqa: PLC0415 - it imports models, not loaded before ready()

        # After every migrate (and the test database's), as the owner: the runtime role's
        # rights on every table, those of later migrations included (docs/operations.md).
        post_migrate.connect(db_roles.on_post_migrate, sender=self, dispatch_uid="screening.db_roles")
