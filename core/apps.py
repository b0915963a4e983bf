from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The lowest layer: people, the audit log, the live feed, roles, errors, text and bulk parsing."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import security  # noqa: F401  (AppConfig.ready(): registers the deploy check)
