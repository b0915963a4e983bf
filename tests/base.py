"""The one test base (issue 9), in the manner of Zulip's zerver/lib/test_classes.py: the API helpers every
app's tests share (login_as, api_get/api_post/api_patch, assert_api_error for the SPEC 8 error shape), then
the builders that used to live in per-app helper modules, one section per app.

Three old modules each had their own `T0`; they are RISK_T0, INTAKE_T0 and QUALITY_T0 here (callers import
`X_T0 as T0`). Factories (factory_boy) stay in tests/factories.py."""

import hashlib
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import User
from quality.models import GoldItem
from risk_db.models import Complaint, RuleShardState, SurveyResponse, WouldHit
from risk_db.services import rule_create
from risk_db.services.evidence import hashtags_normalise
from shards.intake.pipeline import corrections_intake
from shards.models import Correction, Shard
from shards.services.pools import membership_set
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool, verifier_in
from verifier.models import Ruling
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

# --- API helpers ------------------------------------------------------------------------------------------


def login_as(client, user):
    """Authenticate `client` as `user`: force_authenticate for DRF's APIClient, force_login for Django's Client.
    Returns the client."""
    if isinstance(client, APIClient):
        client.force_authenticate(user=user)
    elif isinstance(client, Client):
        client.force_login(user)
    else:
        raise TypeError(f"login_as: unknown client {type(client).__name__}")
    return client


def _json_kw(client, kw: dict) -> dict:
    """JSON unless the caller sends a raw body with its own content type."""
    if "content_type" not in kw and "format" not in kw:
        if isinstance(client, APIClient):
            kw["format"] = "json"
        else:
            kw["content_type"] = "application/json"
    return kw


def api_get(client, path: str, **params):
    return client.get(path, params or None)


def api_post(client, path: str, data=None, **kw):
    return client.post(path, data, **_json_kw(client, kw))


def api_patch(client, path: str, data=None, **kw):
    return client.patch(path, data, **_json_kw(client, kw))


def assert_api_error(response, code: str, status: int) -> dict:
    """The response is a SPEC 8 error (core/api.py): `status`, a JSON body {"code", "detail"[, "errors"]}
    whose code is `code`. Returns the body for further checks."""
    assert response.status_code == status, (
        f"expected {status} {code!r}, got {response.status_code}: {response.content[:500]!r}"
    )
    body = response.json()
    assert isinstance(body, dict) and {"code", "detail"} <= set(body), f"not the SPEC 8 error shape: {body!r}"
    assert isinstance(body["detail"], str), f"detail is not a string: {body!r}"
    assert body["code"] == code, f"expected code {code!r}, got {body['code']!r}: {body!r}"
    return body


# --- model hooks (was tests/hook_overrides.py) ------------------------------------------------------------
# Install another implementation of a model-hook kind for one test, through the one registry
# (`settings.MODELHOOKS["HOOKS"]`, docs/hooks.md). pytest-django's `settings` fixture restores it.


def hooks_install(settings, **paths: str) -> None:
    """hooks_install(settings, SENTIMENT="tests.risk_db.fake_hooks.LexiconSentiment", ...)"""
    settings.MODELHOOKS = {
        **settings.MODELHOOKS,
        "HOOKS": {**settings.MODELHOOKS["HOOKS"], **{k.upper(): v for k, v in paths.items()}},
    }


# --- risk_db (was tests/risk_db/helpers.py): a three-locale world, cases handed to verifiers, evidence rows ---

RISK_T0 = datetime.fromisoformat("2026-11-02T09:00:00+00:00")


@dataclass
class World:
    th: Shard
    ar: Shard
    en: Shard
    th_v: list[User]
    ar_v: list[User]
    en_v: list[User]
    senior: User


def build_world() -> World:
    th, th_v = shard_with_pool("th-TH")
    ar, ar_v = shard_with_pool("ar-SA")
    en, en_v = shard_with_pool("en-US")
    senior = UserFactory(username="senior_x", role=User.Role.SENIOR)
    # th-TH's own senior: the rules here are th-TH's by default, and a native-only locale's rule words are
    # shown and changed only inside its native pool (issue 11)
    membership_set(user=senior, shard=th, native=True)
    return World(th=th, ar=ar, en=en, th_v=th_v, ar_v=ar_v, en_v=en_v, senior=senior)


def handed_case(user: User, shard: Shard, *, text: str = "post", at: datetime | None = None):
    """A case of `shard` leased to `user` (so the user can see it)."""
    make_cases(shard, 1, at=at or RISK_T0, text=text)
    lease = case_next(user=user)
    assert lease is not None
    return lease.case


def shadow_rule(world: World, *, pattern: str = "badword", origin: str = "th-TH", since: datetime = RISK_T0):
    shards = [world.th, world.ar, world.en]
    return rule_create(
        pattern=pattern, origin_locale=origin, intent_class="insult", shards=shards, now=since, term=pattern
    )


def state_of(rule, shard) -> RuleShardState:
    return RuleShardState.objects.select_related("rule", "shard", "rule__current_version").get(rule=rule, shard=shard)


def add_hits(rule, shard, n: int, *, at: datetime, tags=("royaldog",), prefix="hit"):
    WouldHit.objects.bulk_create(
        [
            WouldHit(
                post_id=f"{prefix}-{shard.code}-{i}",
                shard=shard,
                rule_version=rule.current_version,
                state="shadow",
                matched_by="regex",
                score=1.0,
                hashtags=list(tags),
                at=at,
            )
            for i in range(n)
        ]
    )


def add_complaints(shard, *, prevented: int, other: int, at: datetime, tags=("royaldog",)):
    """`prevented` complaints on the would-hit hashtag set, `other` on unrelated posts and tags."""
    key = hashtags_normalise(tags)
    rows = [
        Complaint(
            post_id=f"c-{shard.code}-{i}",
            hashtags=key,
            hashtag_key=" ".join(key),
            locale=shard.code,
            shard=shard,
            at=at,
        )
        for i in range(prevented)
    ]
    rows += [
        Complaint(
            post_id=f"o-{shard.code}-{i}",
            hashtags=["weather"],
            hashtag_key="weather",
            locale=shard.code,
            shard=shard,
            at=at,
        )
        for i in range(other)
    ]
    Complaint.objects.bulk_create(rows)


def add_survey(rule, shard, *, at: datetime, treatment: tuple[int, int], control: tuple[int, int]):
    """treatment/control = (fair, unfair) counts."""
    rows = []
    for arm, (fair, unfair) in (("treatment", treatment), ("control", control)):
        rows += [
            SurveyResponse(locale=shard.code, shard=shard, arm=arm, fair=True, rule=rule, at=at) for _ in range(fair)
        ]
        rows += [
            SurveyResponse(locale=shard.code, shard=shard, arm=arm, fair=False, rule=rule, at=at) for _ in range(unfair)
        ]
    SurveyResponse.objects.bulk_create(rows)


def good_evidence(rule, shard, *, at: datetime):
    add_hits(rule, shard, 5, at=at)
    add_complaints(shard, prevented=30, other=70, at=at)
    add_survey(rule, shard, at=at, treatment=(50, 50), control=(50, 50))


def days(n: float) -> timedelta:
    return timedelta(days=n)


# --- modelhooks (was tests/modelhooks/helpers.py) ------------------------------------------------------------


def corrections(shard, texts, *, start=0, ocr=None, hashtags=("#news",)):
    at = timezone.now() - timedelta(hours=1)
    return [
        Correction.objects.create(
            post_id=f"{shard.code if shard else 'none'}-p{start + i}",
            post_text=t,
            ocr_text=(ocr or {}).get(i, ""),
            shard=shard,
            hashtags=list(hashtags),
            outcome=Correction.Outcome.QUEUED,
            at=at,
        )
        for i, t in enumerate(texts)
    ]


# --- intake (was tests/shards/intake_helpers.py): items with their own network each unless told otherwise ----

INTAKE_T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_ips = itertools.count(1)


def fresh_ip() -> str:
    n = next(_ips)
    return f"2001:db8:{n // 65536:x}:{n % 65536:x}::1"


def api_item(**over) -> dict:
    """One correction as the intake API takes it (en-US, one network): the API tests' default item."""
    base = {
        "post_id": "p1",
        "post_text": "Over 100 people marched",
        "hashtags": ["#March"],
        "reply_text": '@grok correct it was "200" people',
        "submitter_id": "u1",
        "billing_country": "us",
        "ip": "2001:db8::1",
        "declared_locale": "en-US",
        "at": "2026-11-26T10:00:00+00:00",
    }
    base.update(over)
    return base


def item(**over) -> dict:
    at = over.pop("at", INTAKE_T0)
    base = {
        "post_id": "p1",
        "post_text": "Over 100 people marched",
        "hashtags": ["#March"],
        "reply_text": "@grok correct it was 200 people",
        "submitter_id": "u1",
        "billing_country": "US",
        "ip": fresh_ip(),
        "declared_locale": "en-US",
        "at": at.isoformat() if isinstance(at, datetime) else at,
    }
    base.update(over)
    return base


def run(items, now=None):
    return corrections_intake(payloads=items, now=now or INTAKE_T0)


def users(n, prefix="u", **over) -> list[dict]:
    return [item(submitter_id=f"{prefix}{i}", **over) for i in range(n)]


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


# --- quality (was tests/verifier/quality_helpers.py): rulings made through the real queue, stand-in hooks ----

_counter = itertools.count(1)
QUALITY_T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def rule(user: User, answer: str, *, now: datetime = QUALITY_T0) -> Ruling:
    """The verifier takes the next case from the queue and rules on it."""
    lease = case_next(user=user, now=now)
    assert lease is not None, f"{user.username} got no case"
    return ruling_record(user=user, case=lease.case, answer=answer, now=now + timedelta(seconds=30))


def pool(code: str = "en-US", subs: tuple[str, ...] = ("urban", "rural", "rural", "suburb", "coast")):
    """A shard whose verifiers sit in the given sub-locales, plus one senior of the locale."""
    shard = ShardFactory(code=code)
    users = [verifier_in(shard, username=f"{code}_{i}_{sub}", sub_locale=f"{code}:{sub}") for i, sub in enumerate(subs)]
    senior = UserFactory(username=f"senior_{code}", role=User.Role.SENIOR)
    membership_set(user=senior, shard=shard, native=True)
    return shard, users, senior


def ruled_case(
    shard, user: User, answer: str = "yes", *, now: datetime = QUALITY_T0, kind: str = "correction"
) -> Ruling:
    # a post the paraphraser can change ("big"), so a blind audit can flip it (CA-3)
    make_cases(shard, 1, at=now, kind=kind, text=f"a big post, number {next(_counter)}")
    return rule(user, answer, now=now)


def gold_items(locale: str, n: int, *, expected: str = "yes") -> list[GoldItem]:
    return GoldItem.objects.bulk_create(
        [
            GoldItem(locale=locale, post_text=f"gold {locale} {i}", proposal=f"fix {i}", expected=expected)
            for i in range(n)
        ]
    )


def d(value: str) -> Decimal:
    return Decimal(value)


# A deterministic embedder for the checks that read its output, installed through the model-hook
# registry (hooks_install above); MT is the product's own stand-in.
class HashingEmbedderStandIn:
    """CA-8: a 384-dimension unit vector from a hash of character trigrams (no model load)."""

    name = "tests.base.HashingEmbedderStandIn"
    dim = 384
    device = "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                h = int.from_bytes(hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest(), "big")
                out[row, h % self.dim] += 1.0
            out[row] /= float(np.linalg.norm(out[row])) or 1.0
        return out


# The paraphraser is the shipped one (CA-3: tests use what ships); only the embedder is pinned to a stand-in.
STANDINS = {
    "PARAPHRASER": "modelhooks.hooks.paraphrasers.RuleParaphraser",
    "EMBEDDER": "tests.base.HashingEmbedderStandIn",
}


class FakeEmbedder:
    """An Embedder whose vectors show they came from here."""

    name = "fake-embedder"
    dim = 4
    device = "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), self.dim), 0.5, dtype=np.float32)
