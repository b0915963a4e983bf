"""Issue 11: an admin outside a locale's native pool who opens its taboo or native-only content gets an
audit event (`taboo_read`) naming the admin and what was read, one test per path family: case detail,
blind-audit items, intake operator pages, rule pages, Django admin change pages, export files. People
inside the pool (a native senior, an admin who is a native member) read it without an event."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent, User
from modelhooks.models import Export
from modelhooks.services import exports
from quality.models import BlindAudit, BlindAuditItem
from risk_db.services import rule_create
from shards.models import Correction
from shards.services.pools import membership_set
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool
from tests.fence import MARKER, intake_post, royal_item
from training.models import TrainingBatch, TrainingSample

pytestmark = pytest.mark.django_db


class Fence:
    def __init__(self):
        self.th, self.th_pool = shard_with_pool("th-TH")  # ships TH-risks-lm: th-TH is native-only
        self.en = ShardFactory(code="en-US")
        self.admin = UserFactory(username="admin_out", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
        self.admin_native = UserFactory(username="admin_th", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
        membership_set(user=self.admin_native, shard=self.th, native=True)
        self.senior_th = UserFactory(username="senior_th", role=User.Role.SENIOR)
        membership_set(user=self.senior_th, shard=self.th, native=True)
        UserFactory(username="intake", role=User.Role.INTAKE)


@pytest.fixture
def fence():
    return Fence()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reads(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="taboo_read", **filters).order_by("id"))


def assert_only_the_outside_admin_was_recorded(fence, what: str, n: int = 1):
    events = reads()
    assert [(e.actor_name, e.after["read"]) for e in events] == [("admin_out", what)] * n, events


def test_case_detail_read_by_an_admin_outside_the_pool_is_audited(fence):
    case = make_cases(fence.th, 1, native_only=True, text=MARKER)[0]
    plain = make_cases(fence.th, 1, text="plain")[0]
    for user in (fence.admin, fence.admin_native, fence.senior_th):
        assert api(user).get(f"/api/v1/cases/{case.public_id}/").status_code == 200
    assert api(fence.admin).get(f"/api/v1/cases/{plain.public_id}/").status_code == 200  # not taboo: no event
    assert_only_the_outside_admin_was_recorded(fence, "case_detail")
    assert reads()[0].object_id == str(case.public_id) and reads()[0].after["shard_id"] == fence.th.pk


def test_blind_audit_items_read_by_an_admin_outside_the_pool_are_audited(fence):
    original, flip = make_cases(fence.th, 2, native_only=True, text=MARKER)
    audit = BlindAudit.objects.create(
        shard=fence.th, month=date.today().replace(day=1), paraphraser="stand-in", created_at=timezone.now()
    )
    item = BlindAuditItem.objects.create(
        audit=audit, original_case=original, flip_case=flip, original_answer="yes", fake_post_id="fake-1"
    )
    for user in (fence.admin, fence.admin_native, fence.senior_th):
        response = page(user).get("/audits/")
        assert response.status_code == 200 and MARKER in response.content.decode()
    assert_only_the_outside_admin_was_recorded(fence, "blind_audit_items")
    assert reads()[0].after["items"] == [str(item.public_id)] and reads()[0].object_id == str(audit.pk)


def test_intake_operator_page_of_a_tagged_record_read_by_an_admin_outside_the_pool_is_audited(fence):
    intake_post([royal_item()])
    record = Correction.objects.get(post_text__contains=MARKER)
    assert record.risk_tags and record.risk_locale == "th-TH"
    for user in (fence.admin, fence.admin_native, fence.senior_th):
        assert page(user).get(f"/ops/intake/corrections/{record.public_id}/").status_code == 200
    assert_only_the_outside_admin_was_recorded(fence, "intake_record")
    assert reads()[0].object_id == str(record.public_id) and reads()[0].after["locale"] == "th-TH"


def test_rule_pages_of_a_native_only_locale_read_by_an_admin_outside_the_pool_are_audited(fence):
    rule = rule_create(pattern=MARKER, origin_locale="th-TH", intent_class="royal", shards=[fence.th], term=MARKER)
    en_rule = rule_create(pattern="plainword", origin_locale="en-US", intent_class="insult", shards=[fence.en])
    for user in (fence.admin, fence.admin_native, fence.senior_th):
        assert MARKER in page(user).get(f"/risk/rules/{rule.pk}/").content.decode()
        assert api(user).get(f"/api/v1/rules/{rule.pk}/").json()["pattern"] == MARKER
    assert page(fence.admin).get(f"/risk/rules/{en_rule.pk}/").status_code == 200  # en-US has no lexicon
    assert [e.after["read"] for e in reads()] == ["rule_page", "rule_detail"]
    assert {e.actor_name for e in reads()} == {"admin_out"}


def test_django_admin_change_pages_of_taboo_rows_read_by_an_admin_outside_the_pool_are_audited(fence):
    case = make_cases(fence.th, 1, native_only=True, text=MARKER)[0]
    plain = make_cases(fence.th, 1, text="plain")[0]
    intake_post([royal_item()])
    record = Correction.objects.get(post_text__contains=MARKER)
    for user in (fence.admin, fence.admin_native):
        assert page(user).get(f"/admin/verifier/case/{case.pk}/change/").status_code == 200
        assert page(user).get(f"/admin/shards/correction/{record.pk}/change/").status_code == 200
    assert page(fence.admin).get(f"/admin/verifier/case/{plain.pk}/change/").status_code == 200
    events = reads()
    assert [(e.actor_name, e.after["read"], e.object_type) for e in events] == [
        ("admin_out", "admin_change_page", "verifier.case"),
        ("admin_out", "admin_change_page", "shards.correction"),
    ]


def test_export_files_with_taboo_deltas_go_to_the_native_pool_and_admins_reads_audited(fence, settings, tmp_path):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(tmp_path / "exports")}
    case = make_cases(fence.th, 1, native_only=True, text="royal")[0]
    batch = TrainingBatch.objects.create(cut_at=timezone.now(), size=1, weight=Decimal("1"))
    TrainingSample.objects.create(
        case=case, shard=fence.th, locale="th-TH", post_id="p-1", text_delta=MARKER, weight=Decimal("1"), batch=batch
    )
    export = exports.export_run(export_id=Export.objects.create(shard=fence.th, created_at=timezone.now()).pk)
    url = f"/api/v1/exports/{export.public_id}/files/samples.jsonl"
    trainer = UserFactory(username="trainer_out", role=User.Role.TRAINER)
    trainer_th = UserFactory(username="trainer_th", role=User.Role.TRAINER)
    membership_set(user=trainer_th, shard=fence.th, native=True)
    refused = api(trainer).get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "outside_native_pool"
    assert MARKER not in refused.content.decode()
    for user in (trainer_th, fence.admin_native, fence.admin):
        response = api(user).get(url)
        assert response.status_code == 200 and MARKER in b"".join(response.streaming_content).decode()
    assert api(trainer).get(f"/api/v1/exports/{export.public_id}/").status_code == 200  # the manifest: counts only
    assert_only_the_outside_admin_was_recorded(fence, "export_file")
    assert reads()[0].after["file"] == "samples.jsonl"


def test_a_shard_without_taboo_training_text_keeps_its_files_open_to_every_trainer(fence, settings, tmp_path):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(tmp_path / "exports")}
    case = make_cases(fence.th, 1, text="plain")[0]
    batch = TrainingBatch.objects.create(cut_at=timezone.now(), size=1, weight=Decimal("1"))
    TrainingSample.objects.create(
        case=case, shard=fence.th, locale="th-TH", post_id="p-2", text_delta="ตลาด", weight=Decimal("1"), batch=batch
    )
    export = exports.export_run(export_id=Export.objects.create(shard=fence.th, created_at=timezone.now()).pk)
    trainer = UserFactory(username="trainer_out", role=User.Role.TRAINER)
    assert api(trainer).get(f"/api/v1/exports/{export.public_id}/files/samples.jsonl").status_code == 200
    assert api(fence.admin).get(f"/api/v1/exports/{export.public_id}/files/samples.jsonl").status_code == 200
    assert reads() == []


def test_appeal_detail_of_a_taboo_case_read_by_an_admin_outside_the_pool_is_audited(fence):
    make_cases(fence.th, 1, native_only=True, text=MARKER)
    verifier = api(fence.th_pool[0])
    case_id = verifier.get("/api/v1/queue/next/").json()["id"]
    ruling = verifier.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}, format="json").json()
    appeal = verifier.post(f"/api/v1/rulings/{ruling['ruling_id']}/appeals/", {"reason": "I was wrong"}, format="json")
    assert appeal.status_code == 201, appeal.content[:300]
    url = f"/api/v1/appeals/{appeal.json()['appeal_id']}/"
    for user in (fence.admin, fence.admin_native, fence.th_pool[0]):
        response = api(user).get(url)
        assert response.status_code == 200 and MARKER in response.content.decode()
    assert_only_the_outside_admin_was_recorded(fence, "appeal_detail")


def test_nominations_on_taboo_cases_shown_to_an_admin_outside_the_pool_are_audited(fence):
    make_cases(fence.th, 1, native_only=True, text=MARKER)
    verifier = api(fence.th_pool[0])
    case_id = verifier.get("/api/v1/queue/next/").json()["id"]
    nominated = verifier.post(
        f"/api/v1/cases/{case_id}/taboo-nominations/", {"term": "ในหลวง", "context": MARKER}, format="json"
    )
    assert nominated.status_code == 201, nominated.content[:300]
    for user in (fence.admin, fence.admin_native, fence.senior_th):
        assert MARKER in page(user).get("/risk/feed/").content.decode()
        assert MARKER in api(user).get("/api/v1/taboo-candidates/").content.decode()
    assert [(e.actor_name, e.after["read"], e.after["cases"]) for e in reads()] == [
        ("admin_out", "risk_feed", [case_id]),
        ("admin_out", "taboo_candidates", [case_id]),
    ]
