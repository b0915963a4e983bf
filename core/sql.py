"""Hand-written statements of the hot paths (issue 14), run as server-side prepared statements on PostgreSQL.

The queue's next+ruling op runs the same dozen statements thousands of times an hour. Built by the ORM each
time, a statement costs more Python than the database spends on it, and PostgreSQL parses and plans it
anew. So the owner of each table on that path (the verifier's seats, the sample in training, the ledgers
in shards, the audit log in core) writes its statement once, as SQL text with placeholders, beside the
ORM code that other databases run; `sql_run` executes it with server-side binding and `prepare=True`, so
each pooled connection parses and plans it once. Django's cursor wrapper stays around it: the statements
are counted by `CaptureQueriesContext`, and errors arrive as Django's (IntegrityError, ...).

`DB_PREPARE=0` (settings.DATABASES OPTIONS `prepare_threshold`) turns preparing off, e.g. behind a pooler
in transaction mode that does not track prepared statements (PgBouncer before 1.21); the statements
then run unprepared, with the same text and answers.
"""

import functools
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection


def sql_hot_path() -> bool:
    """True where `sql_run` applies: PostgreSQL through psycopg 3. Other databases run the ORM code."""
    return connection.vendor == "postgresql"


def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Server-side binding; `prepare=True` unless the connection turned preparing off."""

        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


_cursor_class = None


def sql_cursor():
    """A Django-wrapped cursor on the request's connection that prepares what it runs (close it after use)."""
    global _cursor_class
    if _cursor_class is None:
        _cursor_class = _prepared_cursor_class()
    connection.ensure_connection()
    return connection._prepare_cursor(_cursor_class(connection.connection))


@contextmanager
def sql_pipeline():
    """Statements sent inside go to PostgreSQL without waiting for each answer (psycopg's pipeline mode): a
    BEGIN travels with the first statement, and `sql_send`'s statements with whatever follows them, until
    one waits for its answer or the block ends. Elsewhere it does nothing. Open a transaction around it, not
    inside it: psycopg syncs the pipeline (an empty round trip) when autocommit changes inside one."""
    if not sql_hot_path():
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


class SqlSent:
    """A statement `sql_send` sent; `rows()` reads its answer (inside a pipeline, once it is synced)."""

    def __init__(self, cursor):
        self._cursor = cursor

    def rows(self) -> list[tuple]:
        try:
            return self._cursor.fetchall()
        finally:
            self._cursor.close()


def sql_send(sql: str, params: Sequence[Any] | dict) -> SqlSent:
    """Send one hot-path statement that returns rows, prepared; inside `sql_pipeline` without waiting."""
    cursor = sql_cursor()
    cursor.execute(sql, params)
    return SqlSent(cursor)


def sql_run(sql: str, params: Sequence[Any] | dict) -> list[tuple]:
    """Run one hot-path statement that returns rows (a SELECT, or a write with RETURNING); its rows. Inside
    `sql_pipeline` it waits for its answer, taking along what was queued before it (a BEGIN, say)."""
    return sql_send(sql, params).rows()


@dataclass(frozen=True)
class SqlPart:
    """One statement (or one subquery) of a composed hot-path statement, written by the owner of its table:
    `sql_run_parts` runs several owners' parts as the data-modifying CTEs of one statement."""

    sql: str
    params: tuple = ()


def _composed(parts: dict[str, SqlPart], final: SqlPart) -> tuple[str, list]:
    sql = "WITH " + ", ".join(f"{name} AS ({part.sql})" for name, part in parts.items()) + " " + final.sql
    return sql, [p for part in parts.values() for p in part.params] + list(final.params)


def sql_run_parts(parts: dict[str, SqlPart], final: SqlPart) -> list[tuple]:
    """`WITH name AS (part), ... final` as one prepared statement (one round trip, one snapshot: the parts
    cannot see each other's writes, so they must not depend on them). A part without RETURNING still runs."""
    return sql_run(*_composed(parts, final))


def sql_send_parts(parts: dict[str, SqlPart], final: SqlPart) -> SqlSent:
    """`sql_run_parts`, sent (`sql_send`): inside `sql_pipeline` it travels with what follows."""
    return sql_send(*_composed(parts, final))


@functools.cache
def _insert_sql(model, ignore_conflicts: bool, returning: bool, placeholders: tuple[tuple[str, str], ...]) -> str:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    own = dict(placeholders)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(own.get(f.column, "%s") for f in fields)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    tail = f' RETURNING "{model._meta.pk.column}"' if returning else ""
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({values}){conflict}{tail}'


def _insert_values(obj) -> tuple:
    """The fields' `pre_save` (auto_now_add) and `get_db_prep_save`, as the ORM applies them."""
    fields = [f for f in type(obj)._meta.concrete_fields if not f.primary_key]
    return tuple(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)


def sql_insert_part(obj, *, ignore_conflicts: bool = False, placeholders: dict[str, str] | None = None) -> SqlPart:
    """The INSERT of one model instance as a part (no RETURNING). `placeholders`: a column's value as an SQL
    expression of its `%s` and the caller's statement (say `%s::jsonb || ...`), for a value that statement
    decides."""
    sql = _insert_sql(type(obj), ignore_conflicts, False, tuple(sorted((placeholders or {}).items())))
    return SqlPart(sql, _insert_values(obj))


def sql_insert(obj, *, ignore_conflicts: bool = False) -> None:
    """INSERT one model instance as a prepared statement (its owner app calls it, for its own table); sets the
    primary key, or leaves it None when `ignore_conflicts` and the row was already there."""
    rows = sql_run(_insert_sql(type(obj), ignore_conflicts, True, ()), _insert_values(obj))
    obj.pk = rows[0][0] if rows else None
    if rows:
        obj._state.adding, obj._state.db = False, connection.alias


def model_from_row(model, values):
    """A model instance from a raw row in `concrete_fields` order, with the fields' database converters
    (JSON text to Python) applied, as the ORM would."""
    fields = model._meta.concrete_fields
    converted = [
        f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v for f, v in zip(fields, values)
    ]
    return model.from_db(connection.alias, [f.attname for f in fields], converted)
