"""Django admin for people and the audit log, the read-only base other apps' admins use, and VQ-7 for
admin: every save and delete made through Django admin writes an audit event with before and after.

`AuditedAdminMixin` does the writing; `admin_audit_everywhere()` (called from `CoreConfig.ready()`,
after every app registered its admins, third-party ones such as knox's and axes' included) makes each
registered ModelAdmin audited, so an admin added later cannot forget it. tests/core/test_admin_audit.py
checks both."""

import json
from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core import serializers
from django.db import transaction

from core.audit import audit_record
from core.models import AuditEvent, User

MASKED = "(hidden)"


def admin_snapshot(obj, *, masked: tuple[str, ...] = ()) -> dict:
    """The row as JSON-safe fields (many-to-many as lists of keys), secrets masked."""
    data = json.loads(serializers.serialize("json", [obj]))[0]["fields"]
    for name in ("password", *masked):
        if name in data:
            data[name] = MASKED if data[name] else ""
    return {"pk": str(obj.pk), **data}


# Issue 11: an admin opening a change page of native-only content is audited. core cannot know which
# rows are native-only or who is inside a pool (shards decides), so each app registers, per model, a
# hook `fn(*, user, obj)` that records the read (shards.services.fence.taboo_read_record).
ADMIN_READ_HOOKS: dict[type, Callable] = {}


def admin_read_hook(model: type, fn: Callable) -> None:
    ADMIN_READ_HOOKS[model] = fn


class AuditedAdminMixin:
    """VQ-7: add, change (the change form and list_editable) and delete (one, or the bulk action) through
    Django admin each append `admin_add` / `admin_change` / `admin_delete` with before and after, in the
    same transaction as the write (Django admin wraps each change view in one)."""

    audit_masked_fields: tuple[str, ...] = ()

    def _audit_snapshot(self, obj) -> dict:
        return admin_snapshot(obj, masked=self.audit_masked_fields)

    def _audit(self, request, action: str, obj, before, after) -> None:
        audit_record(
            actor=request.user,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk)[:64],
            before=before,
            after=after,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        hook = ADMIN_READ_HOOKS.get(self.model)
        if hook is not None and request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                hook(user=request.user, obj=obj)
        return response

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk is not None:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = self._audit_snapshot(old) if old is not None else None
        request._admin_audit_before = getattr(request, "_admin_audit_before", {})
        request._admin_audit_before[(obj._meta.label_lower, str(obj.pk))] = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance  # after its many-to-many and inlines are saved
        before = getattr(request, "_admin_audit_before", {}).pop((obj._meta.label_lower, str(obj.pk)), None)
        self._audit(request, "admin_change" if change else "admin_add", obj, before, self._audit_snapshot(obj))

    def delete_model(self, request, obj):
        before, pk = self._audit_snapshot(obj), obj.pk
        with transaction.atomic():
            super().delete_model(request, obj)
            obj.pk = pk
            self._audit(request, "admin_delete", obj, before, None)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            rows = [(obj, obj.pk, self._audit_snapshot(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for obj, pk, before in rows:
                obj.pk = pk
                self._audit(request, "admin_delete", obj, before, None)


def admin_audit_everywhere(site: admin.AdminSite = admin.site) -> None:
    """Make every ModelAdmin registered on `site` an AuditedAdminMixin (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdminMixin):
            continue
        cls = type(model_admin)
        audited = type(f"Audited{cls.__name__}", (AuditedAdminMixin, cls), {"__module__": cls.__module__})
        site._registry[model] = audited(model, site)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ("username", "role", "timezone", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Verifier Ops", {"fields": ("role", "timezone", "sub_locale", "ui_language")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Verifier Ops", {"fields": ("role", "timezone", "ui_language")}),)


class ReadOnlyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Written by services only (and audited there); readable here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """VQ-7: readable by admins, never editable or deletable from the app."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_name")
