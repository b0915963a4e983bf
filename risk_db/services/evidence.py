"""RK-5 / RK-7 evidence: complaint events, fairness survey answers, and the tests on them.

Complaint coverage: of all complaints in a shard in a window, the share the rule would have prevented:
the complaint is about a post the rule would have hit, or carries exactly the hashtag set of such a post.

Survey test: two-proportion z-test (pooled), two-sided at 95 % (RISK_DB["SURVEY_ALPHA"]), on the
share of "fair" answers in the treatment vs the control arm. Significantly lower in treatment is
"negative"; significantly higher "positive"; otherwise "neutral". Fewer than SURVEY_MIN_PER_ARM
answers in an arm is "insufficient" (no verdict either way).
"""

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q

from risk_db.models import Complaint, Rule, SurveyResponse, WouldHit
from shards.models import Shard


def hashtags_normalise(tags) -> list[str]:
    """The same normal form as intake: NFKC, case-folded, without '#', unique, sorted."""
    out = set()
    for tag in tags or []:
        t = unicodedata.normalize("NFKC", str(tag)).strip().lstrip("#").casefold()
        if t:
            out.add(t)
    return sorted(out)


def hashtag_key(tags) -> str:
    return " ".join(hashtags_normalise(tags))


def shard_for_locale(locale: str) -> Shard | None:
    return Shard.objects.filter(locale__code=locale).first()


@dataclass(frozen=True)
class ComplaintIn:
    post_id: str
    hashtags: list[str]
    locale: str
    at: datetime


def complaints_record(*, items: list[ComplaintIn]) -> list[Complaint]:
    """RK-5: store complaint events (POST /api/v1/complaints/). Items are validated by the caller."""
    shards: dict[str, Shard | None] = {}
    rows = []
    for item in items:
        if item.locale not in shards:
            shards[item.locale] = shard_for_locale(item.locale)
        tags = hashtags_normalise(item.hashtags)
        rows.append(
            Complaint(
                post_id=item.post_id,
                hashtags=tags,
                hashtag_key=" ".join(tags),
                locale=item.locale,
                shard=shards[item.locale],
                at=item.at,
            )
        )
    return Complaint.objects.bulk_create(rows, batch_size=5000)


def survey_arm(*, subject_id: str, rule_id: int | None) -> str:
    """RK-5: deterministic arm assignment: sha256 of (rule, subject) against the treatment share."""
    digest = hashlib.sha256(f"{rule_id or 0}:{subject_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") / 2**64
    return "treatment" if bucket < settings.RISK_DB["SURVEY_TREATMENT_SHARE"] else "control"


@dataclass(frozen=True)
class SurveyIn:
    locale: str
    arm: str
    fair: bool
    at: datetime
    rule_id: int | None = None
    subject_id: str = ""


def surveys_record(*, items: list[SurveyIn]) -> list[SurveyResponse]:
    """RK-5: store "did this feel fair?" answers (POST /api/v1/surveys/). Items are validated by the caller."""
    shards: dict[str, Shard | None] = {}
    rows = []
    for item in items:
        if item.locale not in shards:
            shards[item.locale] = shard_for_locale(item.locale)
        rows.append(
            SurveyResponse(
                locale=item.locale,
                shard=shards[item.locale],
                arm=item.arm,
                fair=item.fair,
                rule_id=item.rule_id,
                subject_id=item.subject_id,
                at=item.at,
            )
        )
    return SurveyResponse.objects.bulk_create(rows, batch_size=5000)


def complaint_coverage(*, rule: Rule, shard: Shard, start: datetime, end: datetime, version=None) -> dict:
    """RK-5 / RK-7: complaints in the window that the rule (or one `version` of it: issue 13, a new version in
    shadow beside a blocking one) would have prevented, and their share."""
    hits = WouldHit.objects.filter(rule_version__rule=rule, shard=shard, at__gte=start, at__lt=end)
    if version is not None:
        hits = hits.filter(rule_version=version)
    hit_sets = {hashtag_key(tags) for tags in hits.values_list("hashtags", flat=True).distinct()} - {""}
    complaints = Complaint.objects.filter(shard=shard, at__gte=start, at__lt=end)
    counts = complaints.aggregate(
        total=Count("id"),
        prevented=Count("id", filter=Q(post_id__in=hits.values("post_id")) | Q(hashtag_key__in=list(hit_sets))),
    )
    total, prevented = counts["total"], counts["prevented"]
    return {
        "total": total,
        "prevented": prevented,
        "share": prevented / total if total else None,
        "hashtag_sets": sorted(hit_sets)[:20],
    }


def two_proportion_z(*, x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic of p1 - p2 and its two-sided p-value."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    p_value = 2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2))))
    return z, p_value


def survey_verdict(*, rule: Rule, shard: Shard, start: datetime, end: datetime) -> dict:
    """RK-5: treatment vs control share of "fair" for this rule in this shard, tested at 95 %."""
    rows = SurveyResponse.objects.filter(rule=rule, shard=shard, at__gte=start, at__lt=end).aggregate(
        n_t=Count("id", filter=Q(arm="treatment")),
        fair_t=Count("id", filter=Q(arm="treatment", fair=True)),
        n_c=Count("id", filter=Q(arm="control")),
        fair_c=Count("id", filter=Q(arm="control", fair=True)),
    )
    result = {
        **rows,
        "test": "two-proportion z-test, pooled, two-sided",
        "alpha": settings.RISK_DB["SURVEY_ALPHA"],
        "z": None,
        "p_value": None,
    }
    minimum = settings.RISK_DB["SURVEY_MIN_PER_ARM"]
    if rows["n_t"] < minimum or rows["n_c"] < minimum:
        return {
            **result,
            "verdict": "insufficient",
            "why": f"needs {minimum} answers in each arm (treatment {rows['n_t']}, control {rows['n_c']})",
        }
    z, p_value = two_proportion_z(x1=rows["fair_t"], n1=rows["n_t"], x2=rows["fair_c"], n2=rows["n_c"])
    significant = p_value < settings.RISK_DB["SURVEY_ALPHA"]
    verdict = "neutral" if not significant else ("negative" if z < 0 else "positive")
    return {
        **result,
        "z": round(z, 4),
        "p_value": round(p_value, 6),
        "verdict": verdict,
        "p_treatment": rows["fair_t"] / rows["n_t"],
        "p_control": rows["fair_c"] / rows["n_c"],
    }
