"""Building blocks for risk_db tests: a three-locale world, cases handed to verifiers, evidence rows."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from risk_db.models import Complaint, RuleShardState, SurveyResponse, WouldHit
from risk_db.services import rule_create
from risk_db.services.evidence import hashtags_normalise
from shards.models import Shard
from tests.factories import UserFactory, make_cases, shard_with_pool
from core.models import User
from verifier.services.queue import case_next

T0 = datetime.fromisoformat("2026-11-02T09:00:00+00:00")


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
    return World(th=th, ar=ar, en=en, th_v=th_v, ar_v=ar_v, en_v=en_v, senior=senior)


def handed_case(user: User, shard: Shard, *, text: str = "post", at: datetime | None = None):
    """A case of `shard` leased to `user` (so the user can see it)."""
    make_cases(shard, 1, at=at or T0, text=text)
    lease = case_next(user=user)
    assert lease is not None
    return lease.case


def shadow_rule(world: World, *, pattern: str = "badword", origin: str = "th-TH", since: datetime = T0):
    shards = [world.th, world.ar, world.en]
    return rule_create(pattern=pattern, origin_locale=origin, intent_class="insult", shards=shards, now=since,
                       term=pattern)


def state_of(rule, shard) -> RuleShardState:
    return RuleShardState.objects.select_related("rule", "shard", "rule__current_version").get(rule=rule, shard=shard)


def add_hits(rule, shard, n: int, *, at: datetime, tags=("royaldog",), prefix="hit"):
    WouldHit.objects.bulk_create([
        WouldHit(post_id=f"{prefix}-{shard.code}-{i}", shard=shard, rule_version=rule.current_version, state="shadow",
                 matched_by="regex", score=1.0, hashtags=list(tags), at=at) for i in range(n)])


def add_complaints(shard, *, prevented: int, other: int, at: datetime, tags=("royaldog",)):
    """`prevented` complaints on the would-hit hashtag set, `other` on unrelated posts and tags."""
    key = hashtags_normalise(tags)
    rows = [Complaint(post_id=f"c-{shard.code}-{i}", hashtags=key, hashtag_key=" ".join(key), locale=shard.code,
                      shard=shard, at=at) for i in range(prevented)]
    rows += [Complaint(post_id=f"o-{shard.code}-{i}", hashtags=["weather"], hashtag_key="weather", locale=shard.code,
                       shard=shard, at=at) for i in range(other)]
    Complaint.objects.bulk_create(rows)


def add_survey(rule, shard, *, at: datetime, treatment: tuple[int, int], control: tuple[int, int]):
    """treatment/control = (fair, unfair) counts."""
    rows = []
    for arm, (fair, unfair) in (("treatment", treatment), ("control", control)):
        rows += [SurveyResponse(locale=shard.code, shard=shard, arm=arm, fair=True, rule=rule, at=at) for _ in range(fair)]
        rows += [SurveyResponse(locale=shard.code, shard=shard, arm=arm, fair=False, rule=rule, at=at) for _ in range(unfair)]
    SurveyResponse.objects.bulk_create(rows)


def good_evidence(rule, shard, *, at: datetime):
    add_hits(rule, shard, 5, at=at)
    add_complaints(shard, prevented=30, other=70, at=at)
    add_survey(rule, shard, at=at, treatment=(50, 50), control=(50, 50))


def days(n: float) -> timedelta:
    return timedelta(days=n)
