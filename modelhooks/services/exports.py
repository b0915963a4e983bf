"""MH-3: training export of one shard, streamed to JSONL and Parquet with a manifest.

The rows are exactly `training.selectors.samples_exportable(shard=..., batched_only=True)` (VQ-6
foreign hard-blocks out, IN-11 taint exclusion, IN-12 only samples cut into a batch, at its weight).
The Parquet schema is typed from the model fields (`export_schema`, docs/export-format.md). Files are written under `*.partial` names and renamed
only when complete; the manifest (counts, filters, taint list, sha256 of each file) is renamed last.
An export that dies mid-way leaves only `.partial` files, which nothing reads as complete.
On PostgreSQL both files come from one REPEATABLE READ snapshot; JSONL is built in SQL
(`row_to_json`) and streamed with COPY, Parquet in row groups: memory stays flat in the row count.
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
from django.db.models import Q
from django.utils import timezone

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
            f"An export of {shard.code} is already {running.status if running else 'running'}: {running_id}. "
            "Wait for it to finish (GET /api/v1/exports/{id}/).",
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


def _write_jsonl_pg(qs, fields, out, progress: _Progress) -> tuple[int, str]:
    sql, params = qs.values(*[f.attname for f in fields]).query.sql_with_params()
    inner = connection.ops.compose_sql(sql, params)
    copy_sql = (
        "COPY (SELECT row_to_json(t)::text FROM (" + inner + ") t) TO STDOUT "
        "WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
    )  # JSON text escapes all control chars
    digest, rows = hashlib.sha256(), 0
    buf = bytearray()
    flush_at = settings.MODELHOOKS["EXPORT_FLUSH_BYTES"]  # PostgreSQL sends a message per row: work per MiB

    def flush():
        nonlocal rows
        out.write(buf)
        digest.update(buf)
        rows += buf.count(b"\n")
        buf.clear()
        progress.update(rows)

    with connection.cursor() as cur:
        with cur.cursor.copy(copy_sql) as copy:
            for data in copy:
                buf += data
                if len(buf) >= flush_at:
                    flush()
    flush()
    return rows, digest.hexdigest()


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


def _write_parquet_pg(qs, fields, path: Path) -> int:
    """PostgreSQL: COPY the same rows as CSV to a scratch file, then Arrow's streaming CSV reader
    (C++, typed by the schema) into Parquet row groups: no Python object per value."""
    import pyarrow.csv as pacsv  # PostgreSQL path only; pyarrow is slow to import, the SQLite path never needs it

    schema = export_schema(fields)
    sql, params = qs.values(*[f.attname for f in fields]).query.sql_with_params()
    inner = connection.ops.compose_sql(sql, params)
    cols = []
    for f in fields:
        q = connection.ops.quote_name(f.attname)
        if isinstance(f, models.DateTimeField):
            cols.append(f"""to_char(t.{q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS {q}""")
        elif isinstance(f, models.JSONField):
            cols.append(f"t.{q}::text AS {q}")
        else:
            cols.append(f"t.{q}")
    scratch = path.with_name(path.name + ".csv")
    try:
        with scratch.open("wb", buffering=1 << 20) as out, connection.cursor() as cur:
            with cur.cursor.copy(
                f"COPY (SELECT {', '.join(cols)} FROM ({inner}) t) TO STDOUT WITH (FORMAT csv)"
            ) as copy:
                write = out.write
                for data in copy:
                    write(data)
        pool = pa.system_memory_pool()
        if scratch.stat().st_size == 0:  # no rows: Arrow's CSV reader refuses an empty file
            pq.write_table(schema.empty_table(), path)
            return 0
        # Memory flat in the row count: small blocks, one thread, the system allocator (Arrow's default
        # mimalloc pool kept growing with the file in our measurements), a plain file instead of a mmap.
        reader = pacsv.open_csv(
            pa.OSFile(str(scratch)),
            memory_pool=pool,
            read_options=pacsv.ReadOptions(column_names=schema.names, block_size=1 << 20, use_threads=False),
            convert_options=pacsv.ConvertOptions(
                column_types=schema,
                true_values=["t"],
                false_values=["f"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        rows, group = 0, settings.MODELHOOKS["EXPORT_PARQUET_ROWS"]
        with pq.ParquetWriter(path, schema, memory_pool=pool) as writer:
            for batch in reader:  # row groups of at most `group` rows: pyarrow would otherwise buffer ~1M
                writer.write_batch(batch, row_group_size=group)
                rows += batch.num_rows
            if rows == 0:
                writer.write_table(schema.empty_table())
        return rows
    finally:
        scratch.unlink(missing_ok=True)


def parquet_write(qs, fields, path: Path) -> int:
    """Write the rows of `qs` (columns `fields`) to a Parquet file typed by `export_schema(fields)`;
    COPY + Arrow's CSV reader on PostgreSQL, Python rows elsewhere. Returns the row count."""
    return (_write_parquet_pg if connection.vendor == "postgresql" else _write_parquet)(qs, fields, path)


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
    """The finished exports of the shard before this one, oldest first, with what each carried."""
    return list(
        Export.objects.filter(shard=export.shard, status=Export.Status.DONE)
        .exclude(pk=export.pk)
        .order_by("finished_at", "id")
        .values("public_id", "batch_ids", "left_out_ids")
    )


def _retractions(shard, previous: list[dict]) -> list[dict]:
    """AP-5 / IN-11: the shard's tombstones no export has listed yet, each with the exports it appeared in
    (an export carried a sample when it took rows from the sample's batch and did not leave it out)."""
    carried = [(str(e["public_id"]), set(e["batch_ids"] or ()), set(e["left_out_ids"] or ())) for e in previous]
    return [
        {
            "retraction_id": r.pk,
            "sample_id": r.sample_id,
            "post_id": r.sample.post_id,
            "reason": r.reason,
            "detail": r.detail,
            "retracted_at": r.created_at.isoformat(),
            "exports": [
                export_id
                for export_id, batches, left_out in carried
                if r.sample.batch_id in batches and r.sample_id not in left_out
            ],
        }
        for r in selectors.retractions_pending(shard=shard)
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
            shard_total = shard_samples.count()
            total = qs.count()
            unbatched = (
                selectors.samples_exportable(shard=export.shard, taint_list=taint_obj)
                .filter(batch__isnull=True)
                .count()
            )
            own = export.shard.locale.code if export.shard.locale_id else ""
            foreign = Q(regional_hard_block=True) & ~Q(hard_block_locale=own)
            foreign_blocked = shard_samples.filter(foreign).count()
            retracted = selectors.samples_retracted(shard=export.shard).exclude(foreign).count()  # counted once
            batch_ids = sorted(qs.order_by().values_list("batch_id", flat=True).distinct())
            left_out = sorted(
                shard_samples.filter(batch__isnull=False).exclude(pk__in=qs.values("pk")).values_list("pk", flat=True)
            )
            progress.total(total)
            with partial[jsonl].open("wb") as out:
                rows, jsonl_sha = (_write_jsonl_pg if on_pg else _write_jsonl_py)(qs, fields, out, progress)
                out.flush()
                os.fsync(out.fileno())
            parquet_rows = parquet_write(qs, fields, partial[parquet])
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
                batch_ids=batch_ids,
                left_out_ids=left_out,
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
