"""MH-3: training export of one shard, streamed to JSONL and Parquet with a manifest.

The rows are exactly `training.selectors.samples_exportable(shard=..., batched_only=True)` (VQ-6
foreign hard-blocks out, IN-11 taint exclusion, IN-12 only samples cut into a batch, at its weight).
The Parquet schema is typed from the model fields (`export_schema`, docs/export-format.md). Files are written under `*.partial` names and renamed
only when complete; the manifest (counts, filters, taint list, sha256 of each file) is renamed last.
An export that dies mid-way leaves only `.partial` files, which nothing reads as complete.
On PostgreSQL both files come from one REPEATABLE READ snapshot and one pass (`_write_pg`): one COPY
sends each row's JSON (`row_to_json`) and typed columns, Arrow's CSV reader turns each block into JSONL
lines and Parquet row groups: memory stays flat in the row count (bench/export.py measures it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Refused
from core.text import text_normalise
from modelhooks import live
from modelhooks.models import Export
from risk_db.selectors import rules_blocking
from risk_db.services import rule_version_matches
from training import selectors
from training.services.retractions import retractions_mark_listed, samples_retract_bot_backed
from training.services.reversals import reexport_mark_exported

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


def export_request(*, shard, actor=None, now: datetime | None = None) -> Export:
    """MH-3: record a requested export of `shard`. The caller queues `modelhooks.tasks.export_run`
    for it after the commit (services sit below the task layer). One export of a shard at a time: while
    one is queued or running, refuses 409 `export_running` naming it (the database constraint
    `one_running_export_per_shard` holds it when two requests race)."""
    try:
        with transaction.atomic():
            return Export.objects.create(shard=shard, requested_by=actor, created_at=now or timezone.now())
    except IntegrityError:
        running = Export.objects.filter(shard=shard, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]).first()
        running_id = str(running.public_id) if running else ""
        raise Refused(
            "export_running",
            _("An export of %(shard)s is already %(status)s: %(export)s. Wait for it to finish (GET %(url)s).")
            % {
                "shard": shard.code,
                "status": running.status if running else "running",
                "export": running_id,
                "url": "/api/v1/exports/{id}/",
            },
            409,
            extra={"export_id": running_id},
        ) from None


def export_fields(model) -> list[models.Field]:
    """Every stored column of a training sample: fields added later (graph id, batch id, native-token
    positions) are exported without a change here. A model's `EXPORT_OMIT` names stored columns that
    never leave (the OCR text, kept only for the blocking-rule filter)."""
    omit = set(getattr(model, "EXPORT_OMIT", ()))
    return [f for f in model._meta.concrete_fields if f.attname not in omit]


def _target(f: models.Field) -> models.Field:
    """The field whose values a column holds: a foreign key holds its target's key (text for the
    correction graph, an int for a shard), followed through chains of foreign keys."""
    while f.is_relation and f.target_field is not f:
        f = f.target_field
    return f


def arrow_type(f: models.Field) -> pa.DataType:
    """The Arrow type of a stored column, from the model field (a foreign key as its target's key)."""
    f = _target(f)
    if isinstance(f, models.BooleanField):
        return pa.bool_()
    if isinstance(f, (models.AutoField, models.BigAutoField, models.IntegerField)):
        return pa.int64()
    if isinstance(f, models.DecimalField):
        return pa.decimal128(f.max_digits, f.decimal_places)
    if isinstance(f, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(f, models.DateField):
        return pa.date32()
    if isinstance(f, models.FloatField):
        return pa.float64()
    return pa.string()  # text, text keys, JSON (as its JSON text), UUIDs (canonical 8-4-4-4-12 text)


def export_schema(fields: list[models.Field]) -> pa.Schema:
    """The Parquet schema of an export, typed from the model fields (docs/export-format.md)."""
    return pa.schema([pa.field(f.attname, arrow_type(f)) for f in fields])


def _py_value(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


def _json_default(v):
    if isinstance(v, Decimal):
        return orjson.Fragment(str(v))  # the exact decimal, as a JSON number like PostgreSQL writes it
    raise TypeError(f"cannot write {type(v).__name__} to JSON")


class _Progress:
    """Saves and pushes progress while the export runs. On PostgreSQL the writes go through a
    second, autocommit connection: the export's own connection is busy streaming COPY inside its
    snapshot transaction, and a progress row written there would stay invisible until the end."""

    def __init__(self, export: Export):
        self.export = export
        self.every = settings.MODELHOOKS["EXPORT_PROGRESS_EVERY"]
        self.next_at = self.every
        self._side = None

    def _save(self, **values) -> None:
        if connection.vendor != "postgresql":
            Export.objects.filter(pk=self.export.pk).update(**values)
            return
        if self._side is None:
            params = {
                k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")
            }
            self._side = psycopg.connect(**params, autocommit=True)
        cols = ", ".join(f"{k} = %s" for k in values)
        self._side.execute(
            f"UPDATE {Export._meta.db_table} SET {cols} WHERE id = %s", [*values.values(), self.export.pk]
        )

    def total(self, rows: int) -> None:
        self._save(rows_total=rows)
        self.export.rows_total = rows
        live.export_changed(self.export)

    def update(self, rows: int, force: bool = False) -> None:
        if not force and rows < self.next_at:
            return
        self.next_at = rows + self.every
        self._save(rows_written=rows)
        self.export.rows_written = rows
        live.export_changed(self.export)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _write_jsonl_py(qs, fields, out, progress: _Progress) -> tuple[int, str]:
    names = [f.attname for f in fields]
    digest, rows = hashlib.sha256(), 0
    for values in qs.values_list(*names).iterator(chunk_size=5000):
        line = orjson.dumps(dict(zip(names, values)), default=_json_default) + b"\n"
        out.write(line)
        digest.update(line)
        rows += 1
        progress.update(rows)
    return rows, digest.hexdigest()


def _write_parquet(qs, fields, path: Path) -> int:
    names = [f.attname for f in fields]
    schema = export_schema(fields)
    group = settings.MODELHOOKS["EXPORT_PARQUET_ROWS"]
    rows, buf = 0, []
    with pq.ParquetWriter(path, schema) as writer:

        def flush():
            cols = list(zip(*buf)) if buf else [[] for _ in names]
            arrays = [pa.array([_py_value(v) for v in col], type=schema.field(i).type) for i, col in enumerate(cols)]
            writer.write_batch(pa.record_batch(arrays, schema=schema), row_group_size=group)
            buf.clear()

        for values in qs.values_list(*names).iterator(chunk_size=group):
            buf.append(values)
            rows += 1
            if len(buf) >= group:
                flush()
        if buf or rows == 0:
            flush()
    return rows


def _pg_columns(fields) -> list[str]:
    """The SELECT list that COPY writes as CSV for Arrow's reader: timestamps as UTC ISO text, JSON as
    its text, the rest as PostgreSQL writes it (Arrow parses them into the schema's types)."""
    cols = []
    for f in fields:
        q = connection.ops.quote_name(f.attname)
        if isinstance(f, models.DateTimeField):
            cols.append(f"""to_char(t.{q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS {q}""")
        elif isinstance(f, models.JSONField):
            cols.append(f"t.{q}::text AS {q}")
        else:
            cols.append(f"t.{q}")
    return cols


class _Sink:
    """Where the one pass of `_write_pg` puts each block of rows: the JSONL file (hashed and counted
    while written), Parquet row groups of EXPORT_PARQUET_ROWS, the batch ids the rows came from."""

    def __init__(self, jsonl_out, parquet_path: Path, schema: pa.Schema, progress, pool):
        self.out, self.progress, self.schema, self.pool = jsonl_out, progress, schema, pool
        self.digest, self.rows, self.batch_ids = hashlib.sha256(), 0, set()
        self.group = settings.MODELHOOKS["EXPORT_PARQUET_ROWS"]
        self.pending, self.pending_rows = [], 0
        self.writer = pq.ParquetWriter(parquet_path, schema, memory_pool=pool) if parquet_path else None

    def add(self, table: pa.Table) -> None:
        import pyarrow.compute as pc

        if self.out is not None:
            lines = pc.binary_join_element_wise(table.column(0).combine_chunks(), pa.scalar(""), "\n")
            block = _string_bytes(lines)
            self.out.write(block)
            self.digest.update(block)
        data = table.drop_columns([table.column_names[0]])
        if "batch_id" in data.column_names:
            self.batch_ids.update(v for v in pc.unique(data.column("batch_id")).to_pylist() if v is not None)
        self.rows += data.num_rows
        if self.writer is not None:
            self.pending.append(data)
            self.pending_rows += data.num_rows
            if self.pending_rows >= self.group:
                self._flush_group()
        self.progress.update(self.rows)

    def _flush_group(self) -> None:
        if self.pending:
            group = pa.concat_tables(self.pending, memory_pool=self.pool).combine_chunks(memory_pool=self.pool)
            self.writer.write_table(group, row_group_size=self.group)
            self.pending, self.pending_rows = [], 0
            self.pool.release_unused()

    def close(self) -> None:
        if self.writer is not None:
            self._flush_group()
            if self.rows == 0:
                self.writer.write_table(self.schema.empty_table())
            self.writer.close()


def _string_bytes(arr: pa.Array) -> bytes:
    """The concatenated values of a string array (no nulls), straight from its data buffer."""
    offsets = memoryview(arr.buffers()[1]).cast("i")
    first, last = offsets[arr.offset], offsets[arr.offset + len(arr)]
    return memoryview(arr.buffers()[2])[first:last].tobytes() if len(arr) else b""


def _memory_pool() -> pa.MemoryPool:
    """jemalloc where this pyarrow has it: the system allocator fragmented until the export's resident
    memory grew with the row count (300 MB more at 300k rows against 90 MB under jemalloc, measured)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.system_memory_pool()


def _write_pg(qs, fields, jsonl_out, parquet_path: Path | None, progress) -> tuple[int, str, list[int]]:
    """PostgreSQL, one pass: one COPY sends, per row, its JSON object (`row_to_json`, for the JSONL, as
    PostgreSQL writes it) and its typed columns; blocks of about EXPORT_FLUSH_BYTES go through Arrow's
    CSV reader (C++, typed by the schema) to the JSONL file and Parquet row groups of EXPORT_PARQUET_ROWS.
    Memory is bounded by a block and a row group, not by the row count. The CSV framing uses control
    characters as quote and delimiter, so the JSON (which escapes every control character) passes
    untouched. Returns (rows, sha256 of the JSONL, the batch ids the rows came from)."""
    import pyarrow.csv as pacsv  # PostgreSQL path only; pyarrow is slow to import, the SQLite path never needs it

    schema = export_schema(fields)
    sql, params = qs.values(*[f.attname for f in fields]).query.sql_with_params()
    inner = connection.ops.compose_sql(sql, params)
    copy_sql = (
        f"COPY (SELECT row_to_json(t)::text, {', '.join(_pg_columns(fields))} FROM ({inner}) t) TO STDOUT "
        "WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
    )
    read_schema = pa.schema([pa.field("__json", pa.string()), *schema])
    read = pacsv.ReadOptions(column_names=read_schema.names, use_threads=False, block_size=1 << 22)
    parse = pacsv.ParseOptions(delimiter="\x02", quote_char="\x01", double_quote=True, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types=read_schema,
        true_values=["t"],
        false_values=["f"],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    pool = _memory_pool()
    sink = _Sink(jsonl_out, parquet_path, schema, progress, pool)
    flush_at = settings.MODELHOOKS["EXPORT_FLUSH_BYTES"]
    buf = bytearray()

    def flush():
        # PostgreSQL sends one CopyData message per row, so a block always ends at a row's end
        table = pacsv.read_csv(pa.py_buffer(buf), read, parse, convert, memory_pool=pool)
        buf.clear()
        sink.add(table)

    try:
        with connection.cursor() as cur:
            with cur.cursor.copy(copy_sql) as copy:
                for data in copy:
                    buf += data
                    if len(buf) >= flush_at:
                        flush()
        if buf:
            flush()
    finally:
        sink.close()
    return sink.rows, sink.digest.hexdigest(), sorted(sink.batch_ids)


def samples_write(qs, fields, jsonl_out, parquet_path: Path, progress) -> tuple[int, str, int, list[int]]:
    """Write the rows of `qs` to the JSONL file `jsonl_out` and the Parquet file at `parquet_path`.
    Returns (JSONL rows, its sha256, Parquet rows, the batch ids the rows came from). PostgreSQL: one pass
    (`_write_pg`); elsewhere Python rows, one pass per file."""
    if connection.vendor == "postgresql":
        rows, sha, batch_ids = _write_pg(qs, fields, jsonl_out, parquet_path, progress)
        return rows, sha, rows, batch_ids
    rows, sha = _write_jsonl_py(qs, fields, jsonl_out, progress)
    parquet_rows = _write_parquet(qs, fields, parquet_path)
    batch_ids = sorted(qs.order_by().exclude(batch__isnull=True).values_list("batch_id", flat=True).distinct())
    return rows, sha, parquet_rows, batch_ids


def parquet_write(qs, fields, path: Path) -> int:
    """Write the rows of `qs` (columns `fields`) to a Parquet file typed by `export_schema(fields)`;
    the one-pass COPY + Arrow's CSV reader on PostgreSQL (no JSONL), Python rows elsewhere. Returns the row count."""
    if connection.vendor == "postgresql":
        return _write_pg(qs, fields, None, path, _NoProgress())[0]
    return _write_parquet(qs, fields, path)


class _NoProgress:
    def update(self, rows: int, force: bool = False) -> None:
        pass


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_dir(export: Export) -> Path:
    return Path(settings.MODELHOOKS["EXPORT_DIR"]) / export.shard.code / str(export.public_id)


def _taint_list():
    """IN-11: the taint list this export honours, read once, and what the manifest records of it."""
    taint = selectors.taint_list_current()
    return taint, {"honoured": True, "version": taint.version if taint is not None else 0}  # 0: never tainted


def _reversals(shard, own_locale: str) -> list[dict]:
    """AP-5: reversed rulings not yet carried by any export, as a correction micro-batch (~1 % weight).
    The same VQ-6 rule as for samples: another locale's regional hard-block never leaves its locale."""
    items = selectors.reexport_pending(shard=shard).exclude(
        Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale)
    )
    return [
        {
            "reexport_id": i.pk,
            "post_id": i.post_id,
            "locale": i.locale,
            "text_delta": i.text_delta,
            "action": i.action,
            "weight": float(i.weight),
            "tier": i.tier,
            "regional_hard_block": i.regional_hard_block,
            "hard_block_locale": i.hard_block_locale,
        }
        for i in items
    ]


def _blocking_rules(qs, shard) -> tuple[list[int], list[dict]]:
    """MH-3: the samples an active blocking rule of the shard matches (their text, delta or OCR text,
    normalised as for tagging, SH-3, with the pattern meaning of docs/patterns.md), and a count per rule.
    A sample two rules match counts for both and is left out once."""
    rules = rules_blocking(shard=shard)
    if not rules:
        return [], []
    hits = {r.pk: 0 for r in rules}
    blocked = []
    for pk, text, delta, ocr in qs.values_list("pk", "text", "text_delta", "ocr_text").iterator(chunk_size=5000):
        haystack = text_normalise("\n".join(x for x in (text, delta, ocr) if x))
        matched = [r.pk for r in rules if rule_version_matches(version=r.blocking_version, text=haystack)]
        for rule_id in matched:
            hits[rule_id] += 1
        if matched:
            blocked.append(pk)
    per_rule = [{"rule_id": r.pk, "version": r.blocking_version.number, "samples": hits[r.pk]} for r in rules]
    return blocked, per_rule


def _previous_exports(export: Export) -> list[dict]:
    """The finished exports of the shard before this one, oldest first (their ids only: what each
    carried is read by `_retractions`, one export at a time, only when there is a retraction to list)."""
    return list(
        Export.objects.filter(shard=export.shard, status=Export.Status.DONE)
        .exclude(pk=export.pk)
        .order_by("finished_at", "id")
        .values("pk", "public_id")
    )


def _ids_json(qs) -> str:
    """The ids of `qs`, ascending, as one JSON array text built by the database."""
    sql, params = qs.order_by().values_list("pk", flat=True).query.sql_with_params()
    if connection.vendor == "postgresql":
        query = f"SELECT COALESCE(json_agg(t.pk ORDER BY t.pk), '[]')::text FROM ({sql}) t"
    else:  # SQLite aggregates in the order of its input
        query = f"SELECT json_group_array(t.pk) FROM (SELECT u.pk FROM ({sql}) u ORDER BY u.pk) t"
    with connection.cursor() as cur:
        cur.execute(query, params)
        (text,) = cur.fetchone()
    return text


def _retractions(shard, previous: list[dict]) -> list[dict]:
    """AP-5 / IN-11: the shard's tombstones no export has listed yet, each with the exports it appeared in
    (an export carried a sample when it took rows from the sample's batch and did not leave it out)."""
    pending = list(selectors.retractions_pending(shard=shard))
    appeared: dict[int, list[str]] = {r.pk: [] for r in pending}
    if pending:
        for e in previous:  # one export's lists at a time
            carried = Export.objects.values("batch_ids", "left_out_ids").get(pk=e["pk"])
            batches, left_out = set(carried["batch_ids"] or ()), set(carried["left_out_ids"] or ())
            for r in pending:
                if r.sample.batch_id in batches and r.sample_id not in left_out:
                    appeared[r.pk].append(str(e["public_id"]))
    return [
        {
            "retraction_id": r.pk,
            "sample_id": r.sample_id,
            "post_id": r.sample.post_id,
            "reason": r.reason,
            "detail": r.detail,
            "retracted_at": r.created_at.isoformat(),
            "exports": appeared[r.pk],
        }
        for r in pending
    ]


def _jsonl_bytes(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in rows)


def _file_entry(path: Path, final_name: str, rows: int, sha256: str | None = None) -> dict:
    return {"name": final_name, "rows": rows, "bytes": path.stat().st_size, "sha256": sha256 or _sha256_file(path)}


def export_run(*, export_id: int, now: datetime | None = None) -> Export:
    """MH-3: write the export's files; idempotent (a done export is left alone, a redelivered one
    starts again from clean `.partial` files)."""
    export = Export.objects.select_related("shard", "shard__locale").get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export
    start = now or timezone.now()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, started_at=start, rows_written=0, error="", attempts=models.F("attempts") + 1
    )
    export.refresh_from_db()
    live.export_changed(export)
    folder = export_dir(export)
    folder.mkdir(parents=True, exist_ok=True)
    fields = export_fields(selectors.samples_of_shard(shard=export.shard).model)
    jsonl, parquet, manifest_path = folder / "samples.jsonl", folder / "samples.parquet", folder / "manifest.json"
    reversals_path, retractions_path = folder / "reversals.jsonl", folder / "retractions.jsonl"
    finals = (jsonl, parquet, reversals_path, retractions_path, manifest_path)
    partial = {p: p.with_name(p.name + ".partial") for p in finals}
    for p in finals:
        p.unlink(missing_ok=True)  # a redelivery rewrites from scratch
    progress = _Progress(export)
    try:
        # IN-10 / IN-11: batched samples backed by bots since the last export are tombstoned first (committed
        # on their own: a retried export finds them listed-pending, never lost)
        samples_retract_bot_backed(shard=export.shard, taint_list=selectors.taint_list_current(), now=start)
        on_pg = connection.vendor == "postgresql"
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if on_pg and outermost:  # one snapshot for the counts and both files
                with connection.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            taint_obj, taint = _taint_list()
            # IN-12: only samples cut into a batch leave, at the batch weight; the rest wait for a cut
            qs = selectors.samples_exportable(shard=export.shard, taint_list=taint_obj, batched_only=True)
            blocked, per_rule = _blocking_rules(qs, export.shard)
            if blocked:
                qs = qs.exclude(pk__in=blocked)
            shard_samples = selectors.samples_of_shard(shard=export.shard)
            counts = selectors.samples_shard_counts(shard=export.shard)
            shard_total, foreign_blocked, retracted = counts["total"], counts["foreign_hard_block"], counts["retracted"]
            unbatched = (
                selectors.samples_exportable(shard=export.shard, taint_list=taint_obj)
                .filter(batch__isnull=True)
                .count()
            )
            own = export.shard.locale.code if export.shard.locale_id else ""
            # the batched samples this export leaves out (its retractions diff against them later), as one
            # JSON text built in SQL (one scan of the shard): no Python object per id
            left_out_qs = selectors.samples_left_out(shard=export.shard, taint_list=taint_obj)
            left_out = _ids_json(left_out_qs | shard_samples.filter(pk__in=blocked) if blocked else left_out_qs)
            total = counts["batched_open"]  # the progress estimate; exact (`rows`) when done
            progress.total(total)
            with partial[jsonl].open("wb") as out:
                rows, jsonl_sha, parquet_rows, batch_ids = samples_write(qs, fields, out, partial[parquet], progress)
                out.flush()
                os.fsync(out.fileno())
            reversals = _reversals(export.shard, own)
            partial[reversals_path].write_bytes(_jsonl_bytes(reversals))
            previous = _previous_exports(export)
            retractions = _retractions(export.shard, previous)
            partial[retractions_path].write_bytes(_jsonl_bytes(retractions))
        if parquet_rows != rows:
            raise RuntimeError(f"Parquet has {parquet_rows} rows, JSONL {rows}: the snapshot moved")
        excluded_rule = len(blocked)
        manifest = {
            "format_version": FORMAT_VERSION,
            "export_id": str(export.public_id),
            "previous_export": str(previous[-1]["public_id"]) if previous else None,
            "shard": export.shard.code,
            "locale": own,
            "started_at": start.isoformat(),
            "finished_at": (now or timezone.now()).isoformat(),
            "counts": {
                "rows": rows,
                "shard_samples": shard_total,
                "excluded": shard_total - rows,
                "excluded_foreign_hard_block": foreign_blocked,
                "excluded_unbatched": unbatched,
                "excluded_retracted": retracted,
                "excluded_blocking_rule": excluded_rule,
                "excluded_other": shard_total - rows - foreign_blocked - unbatched - retracted - excluded_rule,
                "retractions": len(retractions),
                "reversals": len(reversals),
            },
            "blocking_rules": per_rule,
            "filters": [
                "shard == " + export.shard.code,
                "only samples cut into a training batch (IN-12), at the batch weight",
                "exclude regional_hard_block samples of another locale (VQ-6)",
                "exclude tainted correction-graph ids (IN-11)"
                if taint["honoured"]
                else "taint exclusion unavailable in this build (IN-11)",
                "exclude retracted samples: ruling reversed on appeal (AP-5), graph tainted after batching (IN-11)",
                "exclude samples an active blocking rule of the shard matches (text, delta or OCR text; MH-3)",
            ],
            "taint_list": taint,
            "weights": "per-sample `weight` column: the weight of its batch `batch_id` (IN-12); reversals carry their own (AP-5, ~1 %)",
            "reversals": {
                "rows": len(reversals),
                "file": reversals_path.name,
                "meaning": "AP-5: rulings reversed on appeal; `action` add or retract the text delta",
            },
            "retractions": {
                "rows": len(retractions),
                "file": retractions_path.name,
                "diffs_against": str(previous[-1]["public_id"]) if previous else None,
                "meaning": "samples to drop from data already held: listed once, with the exports they appeared in",
            },
            "fields": [f.attname for f in fields],
            "files": {
                "jsonl": _file_entry(partial[jsonl], jsonl.name, rows, jsonl_sha),
                "parquet": _file_entry(partial[parquet], parquet.name, parquet_rows),
                "reversals": _file_entry(partial[reversals_path], reversals_path.name, len(reversals)),
                "retractions": _file_entry(partial[retractions_path], retractions_path.name, len(retractions)),
            },
        }
        partial[manifest_path].write_text(json.dumps(manifest, indent=2, sort_keys=True))
        for p in finals[:-1]:
            os.replace(partial[p], p)
        os.replace(partial[manifest_path], manifest_path)  # last: its presence means the export is complete
        with transaction.atomic():  # a redelivery before this line re-reads the same pending items: none is lost
            if reversals:
                reexport_mark_exported(ids=[r["reexport_id"] for r in reversals], batch_id=str(export.public_id))
            if retractions:
                retractions_mark_listed(ids=[r["retraction_id"] for r in retractions], export_id=str(export.public_id))
            Export.objects.filter(pk=export.pk).update(
                status=Export.Status.DONE,
                rows_written=rows,
                manifest=manifest,
                finished_at=now or timezone.now(),
                rows_total=rows,
                batch_ids=batch_ids,
                left_out_ids=Cast(Value(left_out), models.JSONField()),
            )
    except BaseException as exc:
        progress.close()
        for p in finals:  # nothing of a failed attempt may look complete
            partial[p].unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        export.refresh_from_db()
        log.warning("export %s of %s failed: %s", export.public_id, export.shard.code, export.error)
        live.export_changed(export)
        raise
    progress.close()
    export.refresh_from_db()
    log.info(
        "export %s of %s done: %d rows, %d reversals, %d retractions",
        export.public_id,
        export.shard.code,
        rows,
        len(reversals),
        len(retractions),
    )
    live.export_changed(export)
    return export


def export_file_path(*, export: Export, name: str) -> tuple[Path, dict] | None:
    """MH-3: a file of a finished export, by the name its manifest lists, with its manifest entry
    (size, sha256). None for an unfinished export or a name the manifest does not list."""
    if export.status != Export.Status.DONE or not export.manifest:
        return None
    folder = export_dir(export)
    if name == "manifest.json":  # it cannot list its own hash: hashed when asked
        path = folder / name
        if not path.is_file():
            return None
        return path, {"name": name, "bytes": path.stat().st_size, "sha256": _sha256_file(path)}
    entry = next((f for f in export.manifest.get("files", {}).values() if f["name"] == name), None)
    if entry is None:
        return None
    path = folder / entry["name"]
    return (path, entry) if path.is_file() else None


def export_files_remove(*, export: Export) -> None:
    shutil.rmtree(export_dir(export), ignore_errors=True)
