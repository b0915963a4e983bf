"""Issue 11's taboo fence: one world, built through the intake API and the queue as in production,
for the leak tests (tests/test_taboo_fence.py) and the access matrix (tests/test_access_matrix.py).

Every Thai royal post carries MARKER, so a test can search any response body for taboo text."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rest_framework.test import APIClient

from core.models import User
from risk_db.services import rule_create
from shards.models import Shard
from shards.services.pools import membership_set
from tests.factories import ShardFactory, UserFactory, shard_with_pool, verifier_in

MARKER = "ปลาทูกรอบ7731"  # planted in every taboo post: found in a response body = a leak
ROYAL = f"ภาพ ในหลวง เสด็จ {MARKER}"
AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MONTH = datetime.now(UTC).strftime("%Y-%m")  # the audits page shows the current month's audits


@dataclass
class FenceWorld:
    th: Shard
    en: Shard
    users: dict[str, User]  # role name of the access matrix -> user
    th_pool: list[User]
    taboo_case_ids: list[str] = field(default_factory=list)
    rule: object = None
    plain_case_ids: list[str] = field(default_factory=list)


_n = iter(range(10**6))


def royal_item(**over) -> dict:
    """A Thai royal post (TH-risks-lm) declared en-US, each from its own network and submitter."""
    n = next(_n)
    body = {
        "post_id": f"royal-{n}",
        "post_text": ROYAL,
        "hashtags": ["ข่าว"],
        "reply_text": "@grok correct ปี 2019",
        "submitter_id": f"royal-user-{n}",
        "billing_country": "US",
        "ip": f"2001:db8:77:{n:x}::1",
        "declared_locale": "en-US",
        "at": AT.isoformat(),
    }
    body.update(over)
    return body


def plain_th_item(**over) -> dict:
    n = next(_n)
    body = {
        "post_id": f"plain-th-{n}",
        "post_text": f"ตลาดนัดวันเสาร์ มีคนมา {100 + n} คน",
        "hashtags": ["ตลาด"],
        "reply_text": f"@grok correct มีคนมา {200 + n} คน",
        "submitter_id": f"plain-user-{n}",
        "billing_country": "TH",
        "ip": f"2001:db8:88:{n:x}::1",
        "declared_locale": "th-TH",
        "at": AT.isoformat(),
    }
    body.update(over)
    return body


def intake_post(items: list[dict]) -> list[dict]:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="intake"))
    response = client.post("/api/v1/corrections/", {"items": items}, format="json")
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def rule_all(user: User, answer: str = "yes") -> int:
    """The verifier takes cases from the queue and rules each, until the queue is empty."""
    client = APIClient()
    client.force_authenticate(user)
    n = 0
    while (response := client.get("/api/v1/queue/next/")).status_code == 200:
        case_id = response.json()["id"]
        assert client.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": answer}, format="json").status_code == 201
        n += 1
    assert response.status_code == 204, response.content[:300]
    return n


def fence_world() -> FenceWorld:
    """th-TH (3 natives, a non-native member, a native senior), en-US (3 natives, a senior), the global
    queue, an admin and the two service accounts. Three royal taboo posts and two plain Thai ones come
    in through intake and are ruled by th-TH natives through the queue."""
    th, th_pool = shard_with_pool("th-TH", prefix="th")
    en, en_pool = shard_with_pool("en-US", prefix="en")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    nonnative = verifier_in(th, username="th_nonnative", native=False)
    senior_th = UserFactory(username="senior_th", role=User.Role.SENIOR)
    membership_set(user=senior_th, shard=th, native=True)
    senior_en = UserFactory(username="senior_en", role=User.Role.SENIOR)
    membership_set(user=senior_en, shard=en, native=True)
    users = {
        "native_verifier": th_pool[0],
        "other_verifier": en_pool[0],
        "nonnative_member": nonnative,
        "senior_of_locale": senior_th,
        "senior_other": senior_en,
        "admin": UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True),
        "intake": UserFactory(username="intake", role=User.Role.INTAKE),
        "trainer": UserFactory(username="trainer", role=User.Role.TRAINER),
        "filter": UserFactory(username="filter", role=User.Role.FILTER),
    }
    results = intake_post([royal_item() for _ in range(3)] + [plain_th_item() for _ in range(2)])
    assert [(r["outcome"], r["shard"]) for r in results] == [("queued", "th-TH")] * 5, results
    world = FenceWorld(th=th, en=en, users=users, th_pool=th_pool)
    world.taboo_case_ids = [r["case_id"] for r in results[:3]]
    world.plain_case_ids = [r["case_id"] for r in results[3:]]
    assert rule_all(th_pool[0]) == 5
    # a th-TH taboo rule whose words are the marker (its pattern, term and context): issue 11's rule fence
    world.rule = rule_create(
        pattern=MARKER, origin_locale="th-TH", intent_class="royal", shards=[th, en], term=MARKER, context=ROYAL
    )
    return world
