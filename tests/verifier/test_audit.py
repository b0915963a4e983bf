"""VQ-7: the audit log is append-only, in the app and (on PostgreSQL) in the database."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_events_cannot_be_edited_or_deleted_through_the_app():
    event = audit_record(
        actor=UserFactory(),
        action="pay_change",
        object_type="pay",
        object_id="1",
        before={"rate": "20.00"},
        after={"rate": "25.00"},
    )
    event.action = "nothing"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "pay_change"


@pytest.mark.pg
def test_database_refuses_update_and_delete():
    event = audit_record(actor=None, action="system_thing", object_type="x", object_id="1")
    for sql in (
        "UPDATE verifier_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM verifier_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="system_thing").exists()


def test_admin_offers_no_add_change_or_delete(client):
    admin = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    event = audit_record(actor=admin, action="x", object_type="y", object_id="1")
    client.force_login(admin)
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
