"""MH-3: the export's Parquet schema is typed from the model fields, one test per column type, and
each type survives the writer of the database the tests run on (PostgreSQL: COPY + Arrow's CSV
reader; SQLite: Python rows)."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import models

from modelhooks.models import Export
from modelhooks.services import exports
from shards.models import CorrectionGraph
from tests.factories import ShardFactory, UserFactory, make_cases
from training.models import TrainingBatch, TrainingSample


def field(model, name):
    return model._meta.get_field(name)


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        pytest.param(field(TrainingSample, "graph"), pa.string(), id="fk-to-text-key"),
        pytest.param(field(TrainingSample, "shard"), pa.int64(), id="fk-to-int-key"),
        pytest.param(field(TrainingSample, "case"), pa.int64(), id="one-to-one"),
        pytest.param(field(TrainingSample, "id"), pa.int64(), id="auto-key"),
        pytest.param(field(Export, "public_id"), pa.string(), id="uuid"),
        pytest.param(field(Export, "manifest"), pa.string(), id="json"),
        pytest.param(field(TrainingSample, "weight"), pa.decimal128(6, 4), id="decimal"),
        pytest.param(field(TrainingSample, "created_at"), pa.timestamp("us", tz="UTC"), id="timestamp-with-zone"),
        pytest.param(field(Export, "rows_total"), pa.int64(), id="positive-int"),
        pytest.param(field(TrainingSample, "regional_hard_block"), pa.bool_(), id="bool"),
        pytest.param(field(TrainingSample, "text_delta"), pa.string(), id="text"),
        pytest.param(models.DateField(), pa.date32(), id="date"),
        pytest.param(models.FloatField(), pa.float64(), id="float"),
        pytest.param(models.BigIntegerField(), pa.int64(), id="bigint"),
    ],
)
def test_arrow_type_follows_the_model_field(f, expected):
    assert exports.arrow_type(f) == expected


def test_the_sample_schema_names_every_stored_column_with_its_type():
    schema = exports.export_schema(exports.export_fields(TrainingSample))
    assert schema.names == [f.attname for f in TrainingSample._meta.concrete_fields if f.attname != "ocr_text"]
    assert "ocr_text" not in schema.names  # stored for the blocking-rule filter, never exported
    assert schema.field("graph_id").type == pa.string() and schema.field("batch_id").type == pa.int64()


def _roundtrip(qs, model, tmp_path):
    fields = exports.export_fields(model)
    path = tmp_path / "t.parquet"
    assert exports.parquet_write(qs, fields, path) == qs.count()
    table = pq.read_table(path)
    assert table.schema == exports.export_schema(fields)
    return table.to_pylist()


@pytest.mark.django_db
def test_text_keys_decimals_bools_timestamps_survive_the_writer(tmp_path):
    shard = ShardFactory(code="en-US")
    [case] = make_cases(shard, 1)
    graph = CorrectionGraph.objects.create(graph_id="5e7d" + "a" * 28, size=5)
    batch = TrainingBatch.objects.create(cut_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), size=1, weight="0.3")
    sample = TrainingSample.objects.create(
        case=case,
        shard=shard,
        locale="en-US",
        post_id="p1",
        text_delta='a "quoted", \n «ข่าว» delta',
        regional_hard_block=True,
        hard_block_locale="",
        weight=Decimal("0.3000"),
        graph=graph,
        batch=batch,
    )
    [row] = _roundtrip(TrainingSample.objects.filter(pk=sample.pk), TrainingSample, tmp_path)
    sample.refresh_from_db()
    assert row["graph_id"] == "5e7d" + "a" * 28  # the correction graph's text key, not an int64
    assert row["batch_id"] == batch.pk and row["shard_id"] == shard.pk and row["case_id"] == case.pk
    assert row["weight"] == Decimal("0.3000")
    assert row["regional_hard_block"] is True
    assert row["hard_block_locale"] == ""  # an empty string stays empty, never null
    assert row["text_delta"] == sample.text_delta
    assert row["created_at"] == sample.created_at and row["created_at"].tzinfo is not None


@pytest.mark.django_db
def test_uuids_json_nullable_foreign_keys_and_ints_survive_the_writer(tmp_path):
    shard = ShardFactory(code="en-US")
    user = UserFactory(username="trainer", role="trainer")
    at = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    manifest = {"counts": {"rows": 3}, "text": 'ข่าว "q"', "list": [1, 2.5, None]}
    full = Export.objects.create(
        shard=shard, created_at=at, manifest=manifest, requested_by=user, rows_total=3, status=Export.Status.DONE
    )
    empty = Export.objects.create(shard=shard, created_at=at, public_id=uuid.UUID(int=7))
    rows = _roundtrip(Export.objects.filter(pk__in=[full.pk, empty.pk]).order_by("pk"), Export, tmp_path)
    assert [r["public_id"] for r in rows] == [str(full.public_id), "00000000-0000-0000-0000-000000000007"]
    assert json.loads(rows[0]["manifest"]) == manifest and rows[1]["manifest"] is None
    assert (rows[0]["requested_by_id"], rows[1]["requested_by_id"]) == (user.pk, None)
    assert (rows[0]["rows_total"], rows[1]["rows_total"]) == (3, None)
    assert rows[0]["created_at"] == at and rows[1]["started_at"] is None


def test_docs_export_format_lists_every_parquet_column_with_its_type():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "export-format.md").read_text()
    section = doc.split("## Samples", 1)[1].split("## Reversals", 1)[0]
    documented = [
        (cells[1].strip("` "), cells[2].strip("` "))
        for cells in (line.split("|") for line in section.splitlines() if line.startswith("| `"))
    ]
    schema = exports.export_schema(exports.export_fields(TrainingSample))
    assert documented == [(f.name, str(f.type)) for f in schema]


@pytest.mark.django_db
@pytest.mark.parametrize("flush_bytes", [1, 1 << 20], ids=["a-block-per-row", "one-block"])
def test_jsonl_and_parquet_of_one_export_hold_the_same_values_whatever_the_characters(
    settings, export_dir, flush_bytes
):
    """The one pass (PostgreSQL) frames each row with control characters: texts holding them, CR/LF, quotes,
    an empty string beside a null, still come out exactly, in both files, over blocks and row groups."""
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_FLUSH_BYTES": flush_bytes, "EXPORT_PARQUET_ROWS": 2}
    shard = ShardFactory(code="en-US")
    batch = TrainingBatch.objects.create(cut_at=datetime(2026, 1, 2, tzinfo=UTC), size=5, weight="0.3")
    texts = ["a\x01b\x02c", 'line1\r\nline2\n"q",\\', "", "\x01", "ข่าว «x» \u2028 end"]
    made = [
        TrainingSample.objects.create(
            case=case,
            shard=shard,
            locale="en-US",
            post_id=f"p{i}",
            text_delta=t,
            text=t[::-1],
            target_spans=[[0, len(t)]],
            batch=batch,
            graph=None,
        )
        for i, (case, t) in enumerate(zip(make_cases(shard, len(texts)), texts, strict=True))
    ]
    export = exports.export_run(export_id=Export.objects.create(shard=shard, created_at=batch.cut_at).pk)
    folder = exports.export_dir(export)
    # lines end at "\n" only (U+2028 may stand raw inside a JSON string; str.splitlines would split there)
    jsonl = [json.loads(line) for line in (folder / "samples.jsonl").read_bytes().split(b"\n")[:-1]]
    table = pq.read_table(folder / "samples.parquet")
    assert table.num_rows == 5 and pq.ParquetFile(folder / "samples.parquet").num_row_groups >= 2
    parquet = table.to_pylist()
    assert [r["text_delta"] for r in jsonl] == [r["text_delta"] for r in parquet] == texts
    assert [r["text"] for r in jsonl] == [r["text"] for r in parquet] == [t[::-1] for t in texts]
    assert [r["target_spans"] for r in jsonl] == [json.loads(r["target_spans"]) for r in parquet]
    assert [r["id"] for r in jsonl] == [r["id"] for r in parquet] == [s.pk for s in made]
    assert {r["graph_id"] for r in jsonl} == {r["graph_id"] for r in parquet} == {None}  # null stays null
    assert all(r["hard_block_locale"] == "" for r in jsonl + parquet)  # empty stays empty
    assert export.manifest["files"]["jsonl"]["rows"] == 5 and export.batch_ids == [batch.pk]


@pytest.mark.django_db
def test_an_export_of_a_shard_without_samples_has_empty_typed_files(export_dir):
    shard = ShardFactory(code="en-US")
    export = exports.export_run(export_id=Export.objects.create(shard=shard, created_at=datetime.now(UTC)).pk)
    folder = exports.export_dir(export)
    assert (folder / "samples.jsonl").read_bytes() == b""
    table = pq.read_table(folder / "samples.parquet")
    assert table.num_rows == 0 and table.schema == exports.export_schema(exports.export_fields(TrainingSample))
    assert (export.manifest["counts"]["rows"], export.batch_ids, export.left_out_ids) == (0, [], [])
