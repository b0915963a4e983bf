"""Bulk inserts for the intake firehose: PostgreSQL COPY instead of the ORM's INSERT.

The ORM's bulk_create spends most of a 10,000-row insert adapting each value in Python
(bench/intake.py profile). `rows_insert` allocates the primary keys from the table's sequence in one
query, then streams the rows with COPY; objects come back with their pk set, as from bulk_create.
Same columns, same constraints (a unique violation still raises IntegrityError). Other databases
use bulk_create.
"""

import orjson
from django.db import connection
from django.db.models import JSONField
from django.db.models.fields import AutoFieldMixin


def rows_insert(model, objs: list) -> list:
    if not objs:
        return objs
    meta = model._meta
    if connection.vendor != "postgresql" or not isinstance(meta.pk, AutoFieldMixin):
        return model.objects.bulk_create(objs)
    fields = list(meta.concrete_fields)
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
        alias = connection.alias
        with cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            # (attname, field whose pre_save sets the value (auto_now...), is JSON)
            plan = [
                (
                    f.attname,
                    f if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else None,
                    f.attname in json_fields,
                )
                for f in fields
            ]
            for obj, pk_value in zip(objs, ids):
                setattr(obj, pk.attname, pk_value)
                row = []
                for attname, auto, is_json in plan:
                    value = auto.pre_save(obj, add=True) if auto is not None else getattr(obj, attname)
                    if is_json and value is not None:
                        value = orjson.dumps(value).decode()
                    row.append(value)
                copy.write_row(row)
                obj._state.adding, obj._state.db = False, alias
    return objs
