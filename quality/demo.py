"""Demo data for appeals, calibration, audits and pay (run by `load_demo` through verifier.extensions, DEBUG only).

Last month gets a little history so the admin's monthly routine has something to act on: en-US
verifiers ruled overlap cases, took a calibration set (en_v4 scored 80 %, so their pay will be held),
and everyone has a contract. This month: calibration sets are out and one appeal waits at tier 1.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core.models import User
from quality.models import GoldItem, KappaScore
from quality.services.calibration import calibration_answers_submit, calibration_set_build, crosslingual_set_build
from quality.services.pay import contract_set
from quality.services.periods import month_bounds, month_previous, month_start
from shards.models import Locale, Shard
from verifier.services.appeals import appeal_open
from verifier.services.queue import NewCase, case_next, case_skip, cases_create
from verifier.services.rulings import ruling_record

RATES = {"en": "18.00", "th": "15.00", "ar": "16.00", "rare": "20.00"}


# Gold items in each locale's own language (issue 14): (post with {n}, proposal with {m}).
GOLD_TEXTS = {
    "th-TH": [
        ("การประชุมสภาเทศบาลเริ่มเวลา {n} โมงเช้า", "เริ่มเวลา {m} โมงเช้า"),
        ("ตลาดนัดจตุจักรมีร้านค้า {n},000 ร้าน", "มีร้านค้า {m},000 ร้าน"),
        ("รถเมล์สาย {n} วิ่งถึงเที่ยงคืน", "สาย {m} วิ่งถึงเที่ยงคืน"),
        ("อุณหภูมิที่เชียงใหม่เช้านี้ {n} องศา", "อุณหภูมิ {m} องศา"),
        ("งานลอยกระทงมีผู้มาเที่ยว {n} หมื่นคน", "มีผู้มาเที่ยว {m} หมื่นคน"),
    ],
    "ar-SA": [
        ("بدأ اجتماع المجلس البلدي الساعة {n} صباحا", "بدأ الساعة {m} صباحا"),
        ("يضم سوق الزل في الرياض {n}00 محل", "يضم {m}00 محل"),
        ("تستغرق الرحلة من جدة إلى الطائف {n} ساعات", "تستغرق {m} ساعات"),
        ("بلغت درجة الحرارة في الدمام {n}0 درجة", "بلغت {m}0 درجة"),
        ("حضر معرض الكتاب {n} آلاف زائر", "حضر {m} آلاف زائر"),
    ],
}
GOLD_DEFAULT = [("The council meeting started at {n} am", "It started at {m} am")]


def _gold(locale: str, n: int) -> None:
    texts = GOLD_TEXTS.get(locale, GOLD_DEFAULT)
    items = []
    for i in range(n):
        post, proposal = texts[i % len(texts)]
        number = 2 + (i // len(texts)) % 9 + i % 4
        items.append(
            GoldItem(
                locale=locale,
                post_text=f"[{locale} #{i}] " + post.format(n=number),
                proposal=proposal.format(m=number + 1),
                expected="yes" if i % 3 else "no",
            )
        )
    GoldItem.objects.bulk_create(items)


def _rule_history(shard: Shard, users: list[User], start, n: int) -> None:
    """n overlap cases ruled by two verifiers each, spread over a day of last month."""
    old = settings.VERIFIER["OVERLAP_RATE"]
    settings.VERIFIER["OVERLAP_RATE"] = 1.0
    try:
        for i in range(n):
            at = start + timedelta(minutes=7 * i)
            cases_create(
                new_cases=[
                    NewCase(
                        shard=shard,
                        kind="correction",
                        locale="en-US",
                        post_id=f"demo-history-{i}",
                        post_text=f"The parade had {100 + i} floats",
                        proposal=f"It had {90 + i} floats",
                        at=at,
                        sub_locale=users[i % 2].sub_locale,
                    )
                ]
            )
            for j, user in enumerate((users[i % len(users)], users[(i + 1) % len(users)])):
                lease = case_next(user=user, now=at + timedelta(minutes=j))
                if lease:
                    answer = "no" if (i % 5 == 0 and j == 1) else "yes"
                    ruling_record(user=user, case=lease.case, answer=answer, now=at + timedelta(minutes=j, seconds=40))
    finally:
        settings.VERIFIER["OVERLAP_RATE"] = old


def load(*, admin: User) -> None:
    now = timezone.now()
    this_month = month_start(now)
    last = month_previous(this_month)
    start, _ = month_bounds(last)
    for user in User.objects.filter(role=User.Role.VERIFIER):
        prefix = user.username.split("_")[0]
        contract_set(
            actor=admin,
            verifier=user,
            hourly_rate=Decimal(RATES.get(prefix, "15.00")),
            starts_on=date(last.year - 1, 1, 1),
            reason="demo contract",
        )
    for code in ("en-US", "th-TH", "ar-SA"):
        _gold(code, 60)
    _gold("nv-US", 20)

    en = Shard.objects.get(code="en-US")
    en_users = list(User.objects.filter(username__in=["en_v1", "en_v2", "en_v3", "en_v4"]).order_by("username"))
    _rule_history(en, en_users, start + timedelta(days=3, hours=14), 24)
    last_set = calibration_set_build(locale="en-US", month=last)
    items = list(last_set.items.select_related("gold"))
    for user in en_users:
        wrong = 10 if user.username == "en_v4" else 2  # en_v4: 80 %, below the 90 % line
        calibration_answers_submit(
            user=user,
            calibration_set=last_set,
            now=start + timedelta(days=4),
            answers={
                it.pk: (it.gold.expected if n >= wrong else ("no" if it.gold.expected == "yes" else "yes"))
                for n, it in enumerate(items)
            },
        )
    for k, user in enumerate(en_users):  # two earlier months of kappa for the trend chart
        for back, base in ((2, "0.78"), (1, "0.83")):
            month = this_month
            for _ in range(back + 1):
                month = month_previous(month)
            KappaScore.objects.create(
                verifier=user, month=month, kappa=Decimal(base) + Decimal(k) / 50, pairs=40, computed_at=now
            )

    for code in ("en-US", "th-TH", "ar-SA"):
        calibration_set_build(locale=code, month=this_month)
    chr_us = Locale.objects.filter(code="chr-US", adjacent__isnull=False).first()
    if chr_us:
        crosslingual_set_build(locale=chr_us, month=this_month)

    # One appeal waiting at tier 1: en_v1 rules a fresh case now and disputes it.
    cases_create(
        new_cases=[
            NewCase(
                shard=en,
                kind="correction",
                locale="en-US",
                post_id="demo-appeal",
                post_text="The bridge reopened on Monday after repairs",
                proposal="It reopened on Tuesday",
                at=now,
            )
        ]
    )
    en_v1 = en_users[0]
    lease = case_next(user=en_v1, now=now)
    while lease and lease.case.post_id != "demo-appeal":
        case_skip(user=en_v1, case=lease.case, now=now)
        lease = case_next(user=en_v1, now=now)
    if lease:
        ruling = ruling_record(user=en_v1, case=lease.case, answer="yes", now=now)
        appeal_open(user=en_v1, ruling=ruling, reason="The city notice says Tuesday; I accepted too fast.", now=now)
