from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The lowest layer: people, the audit log, the live feed, roles, errors, text and bulk parsing."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib import admin  # AppConfig.ready(): apps are loaded now

        from core import security  # noqa: F401  (registers the deploy check)
        from core.admin import admin_audit_everywhere

        admin.autodiscover()  # every app's admin.py, so the wrapping below sees them all
        admin_audit_everywhere()
