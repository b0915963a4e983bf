"""VQ-7 for Django admin (issue 11): every add, change and delete made through the admin pages is in
the audit log with who, before and after; and every registered ModelAdmin is audited."""

import pytest
from django.contrib import admin
from django.test import Client

from core.admin import AuditedAdminMixin
from core.models import AuditEvent
from shards.models import TriggerPattern
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def events(action: str):
    return list(AuditEvent.objects.filter(action=action, object_type="shards.triggerpattern").order_by("id"))


def test_admin_add_change_and_delete_are_audited_with_before_and_after(admin_client):
    url = "/admin/shards/triggerpattern/"
    response = admin_client.post(f"{url}add/", {"pattern": r"@grok\s+fix", "active": "on"})
    assert response.status_code == 302, response.content[:2000]
    pattern = TriggerPattern.objects.get(pattern=r"@grok\s+fix")
    (added,) = events("admin_add")
    assert added.actor_name == "root" and added.before is None
    assert added.after == {"pk": str(pattern.pk), "pattern": r"@grok\s+fix", "active": True}

    response = admin_client.post(f"{url}{pattern.pk}/change/", {"pattern": r"@grok\s+fix"})  # unticks active
    assert response.status_code == 302
    (changed,) = events("admin_change")
    assert changed.object_id == str(pattern.pk)
    assert changed.before["active"] is True and changed.after["active"] is False

    response = admin_client.post(f"{url}{pattern.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TriggerPattern.objects.exists()
    (deleted,) = events("admin_delete")
    assert deleted.before["pattern"] == r"@grok\s+fix" and deleted.after is None


def test_bulk_delete_action_audits_each_row(admin_client):
    rows = [TriggerPattern.objects.create(pattern=p) for p in ("a1", "b2")]
    response = admin_client.post(
        "/admin/shards/triggerpattern/",
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert response.status_code == 302 and not TriggerPattern.objects.exists()
    assert sorted(e.before["pattern"] for e in events("admin_delete")) == ["a1", "b2"]


def test_user_edit_in_admin_is_audited_without_the_password_hash(admin_client):
    user = UserFactory(username="th_v9", role="verifier")
    page = admin_client.get(f"/admin/core/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")}
    data.update({"role": "senior", "date_joined_0": "2026-11-02", "date_joined_1": "09:00:00", "is_active": "on"})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(f"/admin/core/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    event = AuditEvent.objects.get(action="admin_change", object_type="core.user")
    assert (event.before["role"], event.after["role"]) == ("verifier", "senior")
    assert event.after["password"] == "(hidden)" and "pbkdf2" not in str(event.before)


def test_every_registered_admin_is_audited():
    unaudited = [m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, AuditedAdminMixin)]
    assert not unaudited
