"""VQ-7: on PostgreSQL the database itself refuses UPDATE and DELETE on the audit log."""
from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION verifier_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER verifier_audit_append_only
  BEFORE UPDATE OR DELETE ON verifier_auditevent
  FOR EACH ROW EXECUTE FUNCTION verifier_audit_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS verifier_audit_append_only ON verifier_auditevent;
DROP FUNCTION IF EXISTS verifier_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("verifier", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
