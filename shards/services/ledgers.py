"""IN-6, IN-7, IN-10: per-locale corroboration ledgers and the confidence burn.

Every figure is kept per locale: an English approval never moves a Thai ledger. In a language with
fewer than LOW_VOLUME_PER_DAY corrections in the trailing 24 h a verifier's ruling weighs
LOW_VOLUME_RULING_WEIGHT crowd votes.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Subquery, Sum
from django.utils import timezone

from core.audit import audit_record
from core.sql import SqlPart, sql_hot_path, sql_run_parts
from shards.models import IntakeCounter, Locale, LocaleLedger, SubmitterLedger
from shards.selectors import correction_backers


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def language_volumes(*, languages: set[str], at: datetime) -> dict[str, int]:
    """IN-7: corrections per language in the trailing 24 h (whole hours, counters include the batch)."""
    codes_by_lang: dict[str, list[str]] = {}
    for code, lang in Locale.objects.filter(language__in=languages).values_list("code", "language"):
        codes_by_lang.setdefault(lang, []).append(code)
    since = _hour(at) - timedelta(hours=23)
    rows = (
        IntakeCounter.objects.filter(
            hashtag="", hour__gte=since, hour__lte=at, locale_code__in=[c for cs in codes_by_lang.values() for c in cs]
        )
        .values("locale_code")
        .annotate(total=Sum("n"))
    )
    per_locale = {r["locale_code"]: r["total"] for r in rows}
    return {lang: sum(per_locale.get(c, 0) for c in codes) for lang, codes in codes_by_lang.items()}


def language_is_low_volume(*, language: str, at: datetime) -> bool:
    return language_volumes(languages={language}, at=at).get(language, 0) < settings.INTAKE["LOW_VOLUME_PER_DAY"]


def submitter_ledgers(*, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], SubmitterLedger]:
    """(submitter, locale) -> ledger, one query; unknown users get an unsaved fresh ledger."""
    if not pairs:
        return {}
    subs = {s for s, _ in pairs}
    found = {
        (l.submitter_id, l.locale_code): l
        for l in SubmitterLedger.objects.filter(submitter_id__any=subs, locale_code__in={l for _, l in pairs})
    }
    return {p: found.get(p) or SubmitterLedger(submitter_id=p[0], locale_code=p[1]) for p in pairs}


def ledgers_record_crowd(*, locale_code: str, backers: dict[str, bool]) -> None:
    """IN-7: a crowd decision (auto-accept or conflict merge): each backer is a crowd vote; those whose
    correction matched the accepted one are corroborated."""
    _submitters_bump(locale_code=locale_code, backers=backers)
    LocaleLedger.objects.get_or_create(locale_code=locale_code)
    LocaleLedger.objects.filter(locale_code=locale_code).update(
        votes=F("votes") + len(backers),
        corroborated=F("corroborated") + sum(backers.values()),
        crowd_votes=F("crowd_votes") + len(backers),
    )


def _submitters_bump(*, locale_code: str, backers: dict[str, bool], sign: int = 1) -> None:
    if not backers:
        return
    SubmitterLedger.objects.bulk_create(
        [SubmitterLedger(submitter_id=s, locale_code=locale_code) for s in backers], ignore_conflicts=True
    )
    yes = [s for s, ok in backers.items() if ok]
    no = [s for s, ok in backers.items() if not ok]
    if yes:
        SubmitterLedger.objects.filter(locale_code=locale_code, submitter_id__in=yes).update(
            backed=F("backed") + sign, corroborated=F("corroborated") + sign
        )
    if no:
        SubmitterLedger.objects.filter(locale_code=locale_code, submitter_id__in=no).update(backed=F("backed") + sign)


def ledger_ruling_weight(*, case, at: datetime, intake_24h: int | None = None) -> int:
    """IN-7: what a verifier's ruling on this case counts in its locale's ledger: once, five times in a
    low-volume language, nothing on a taboo case (taboo screens move no corroboration ledger). `intake_24h`:
    the caller's copy of the language's trailing count (`ledger_intake_24h_part`, read with the seat lock)."""
    if case.is_taboo:
        return 0
    if intake_24h is None:
        low = _locale_is_low_volume(locale_code=case.locale, at=at)
    else:
        low = intake_24h < settings.INTAKE["LOW_VOLUME_PER_DAY"]
    return settings.INTAKE["LOW_VOLUME_RULING_WEIGHT"] if low else 1


def ledger_intake_24h_part(*, locale_sql: str, at: datetime) -> SqlPart:
    """Issue 14: IN-7's trailing count of a locale's language as a scalar subquery on `locale_sql` (a column
    of the caller's statement), so the ruling reads it with its seat lock; `ledger_ruling_weight` takes it."""
    since = _hour(at) - timedelta(hours=23)
    return SqlPart(_INTAKE_24H_SQL.format(locale=locale_sql), (since, at))


def ledger_ruling_parts(*, case, accepted: bool, weight: int, backers: set[str], sign: int = 1) -> dict[str, SqlPart]:
    """Issue 14, PostgreSQL: what `_ledger_move` writes, as parts of the ruling's one write statement (core.sql):
    the locale ledger and each backer's, as upserts (a missing row starts from zero, as the ORM path does)."""
    parts = {
        "ledger_locale": SqlPart(
            _LEDGER_UPSERT_SQL, (case.locale, sign * weight, sign * (weight if accepted else 0), sign)
        )
    }
    if backers:
        parts["ledger_backers"] = SqlPart(
            _SUBMITTERS_UPSERT_SQL, (case.locale, sign, sign if accepted else 0, sorted(backers))
        )
    return parts


def ledger_record_ruling(
    *,
    case,
    accepted: bool,
    now: datetime | None = None,
    backers: set[str] | None = None,
    weight: int | None = None,
) -> int:
    """IN-7: a verifier's ruling on a correction case. It counts once in the locale ledger, five
    times in a low-volume language; every backer's own ledger in that locale moves with it.
    Returns the weight it counted (0 for a taboo case). `backers` and `weight`: the caller's copy of
    `correction_backers` and `ledger_ruling_weight`, so a ruling reads each once."""
    now = now or timezone.now()
    if weight is None:
        weight = ledger_ruling_weight(case=case, at=now)
    if not weight:
        return 0
    if backers is None:
        backers = correction_backers(case=case)
    _ledger_move(case=case, accepted=accepted, weight=weight, backers=backers, sign=1)
    return weight


def ledger_unrecord_ruling(*, case, accepted: bool, weight: int, backers: set[str]) -> None:
    """VQ-10: an undone ruling takes back exactly what `ledger_record_ruling` counted."""
    if case.is_taboo or not weight:
        return
    _ledger_move(case=case, accepted=accepted, weight=weight, backers=backers, sign=-1)


def _ledger_move(*, case, accepted: bool, weight: int, backers: set[str], sign: int) -> None:
    moves = {
        "votes": F("votes") + sign * weight,
        "corroborated": F("corroborated") + sign * (weight if accepted else 0),
        "rulings": F("rulings") + sign,
    }
    if sql_hot_path():  # one prepared statement (core.sql): the same moves as upserts
        parts = ledger_ruling_parts(case=case, accepted=accepted, weight=weight, backers=backers, sign=sign)
        sql_run_parts(parts, SqlPart("SELECT 1"))
        return
    with transaction.atomic(savepoint=False):  # inside the ruling's transaction: no savepoint round trips
        if not LocaleLedger.objects.filter(locale_code=case.locale).update(**moves):
            LocaleLedger.objects.bulk_create([LocaleLedger(locale_code=case.locale)], ignore_conflicts=True)
            LocaleLedger.objects.filter(locale_code=case.locale).update(**moves)
        _submitters_bump(locale_code=case.locale, backers={s: accepted for s in backers}, sign=sign)


_L, _S = LocaleLedger._meta.db_table, SubmitterLedger._meta.db_table
_LEDGER_UPSERT_SQL = (
    f'INSERT INTO "{_L}" AS l (locale_code, votes, corroborated, rulings, crowd_votes, numeric_n, numeric_mean, '
    "numeric_m2) VALUES (%s, %s, %s, %s, 0, 0, 0, 0) ON CONFLICT (locale_code) DO UPDATE SET "
    "votes = l.votes + EXCLUDED.votes, corroborated = l.corroborated + EXCLUDED.corroborated, "
    "rulings = l.rulings + EXCLUDED.rulings"
)
_SUBMITTERS_UPSERT_SQL = (
    f'INSERT INTO "{_S}" AS s (submitter_id, locale_code, backed, corroborated, burn, flag_weight) '
    "SELECT b.id, v.locale, v.backed, v.corroborated, 1.0, 1.0 FROM (SELECT %s::text AS locale, %s::int AS backed, "
    "%s::int AS corroborated) v, unnest(%s::text[]) AS b(id) ON CONFLICT (submitter_id, locale_code) DO UPDATE SET "
    "backed = s.backed + EXCLUDED.backed, corroborated = s.corroborated + EXCLUDED.corroborated"
)
_INTAKE_24H_SQL = (
    f"SELECT coalesce(sum(n.n), 0) FROM \"{IntakeCounter._meta.db_table}\" n WHERE n.hashtag = '' "
    "AND n.hour >= %s AND n.hour <= %s AND n.locale_code IN ("
    f'SELECT l.code FROM "{Locale._meta.db_table}" l WHERE l.language = ('
    f'SELECT k.language FROM "{Locale._meta.db_table}" k WHERE k.code = {{locale}} LIMIT 1))'
)


def _locale_is_low_volume(*, locale_code: str, at: datetime) -> bool:
    """IN-7 for one locale's language in one statement (the ruling's hot path): corrections of every
    locale of that language in the trailing 24 h (whole hours), as `language_volumes` counts them."""
    language = Locale.objects.filter(code=locale_code).values("language")[:1]
    codes = Locale.objects.filter(language=Subquery(language)).values("code")
    since = _hour(at) - timedelta(hours=23)
    total = (
        IntakeCounter.objects.filter(hashtag="", hour__gte=since, hour__lte=at, locale_code__in=codes).aggregate(
            n=Sum("n")
        )["n"]
        or 0
    )
    return total < settings.INTAKE["LOW_VOLUME_PER_DAY"]


def numeric_history(*, locale_code: str) -> tuple[float, float]:
    """IN-6: (mean, sigma) of accepted relative numeric deltas in the locale; the prior below the minimum."""
    cfg = settings.INTAKE
    ledger = LocaleLedger.objects.filter(locale_code=locale_code).first()
    if ledger is None or ledger.numeric_n < cfg["CONFLICT_MIN_HISTORY"]:
        return cfg["CONFLICT_PRIOR_MEAN"], cfg["CONFLICT_PRIOR_SIGMA"]
    return ledger.numeric_mean, math.sqrt(ledger.numeric_m2 / (ledger.numeric_n - 1))


def numeric_history_add(*, locale_code: str, delta: float) -> None:
    """Welford's update, under a row lock."""
    LocaleLedger.objects.get_or_create(locale_code=locale_code)
    ledger = LocaleLedger.objects.select_for_update().get(locale_code=locale_code)
    ledger.numeric_n += 1
    d = delta - ledger.numeric_mean
    ledger.numeric_mean += d / ledger.numeric_n
    ledger.numeric_m2 += d * (delta - ledger.numeric_mean)
    ledger.save(update_fields=["numeric_n", "numeric_mean", "numeric_m2"])


def cluster_burn(*, submitter_ids: set[str], locale_code: str, actor=None, reason: str = "") -> int:
    """IN-10 confidence burn: when seniors overturn a cluster of >= 5 users, each loses 20 % of
    their corroboration score and their future flags weigh 0.8x. Smaller clusters are left alone.
    Returns how many users were burned."""

    cfg = settings.INTAKE
    if len(submitter_ids) < cfg["BURN_MIN_CLUSTER"]:
        return 0
    with transaction.atomic():
        SubmitterLedger.objects.bulk_create(
            [SubmitterLedger(submitter_id=s, locale_code=locale_code) for s in submitter_ids], ignore_conflicts=True
        )
        n = SubmitterLedger.objects.filter(locale_code=locale_code, submitter_id__in=submitter_ids).update(
            burn=F("burn") * cfg["BURN_SCORE_FACTOR"], flag_weight=F("flag_weight") * cfg["BURN_FLAG_WEIGHT"]
        )
        audit_record(
            actor=actor,
            action="cluster_burn",
            object_type="shards.localeledger",
            object_id=locale_code,
            after={"locale": locale_code, "users": sorted(submitter_ids), "reason": reason},
        )
    return n
