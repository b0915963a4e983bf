"""Issue 11: API tokens move from DRF's authtoken (raw keys in the database) to knox (digests only).

Each token of the old `authtoken_token` table becomes a knox token for the same key (so clients keep
working until it expires, REST_KNOX["TOKEN_TTL"] from now), and the raw key is deleted."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def legacy_tokens_move(apps, schema_editor):
    from knox.crypto import hash_token  # noqa: PLC0415 (migration: the library's hashing, at run time)
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id in rows:
        AuthToken.objects.create(
            digest=hash_token(key), token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id, expiry=expiry
        )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_user_role_filter"),
        ("knox", "0009_extend_authtoken_field"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(legacy_tokens_move, migrations.RunPython.noop)]
