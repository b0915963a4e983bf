"""Demo data for the risk DB pages (after `load_demo`, only with DEBUG on): one rule with a full history
(nominated, approved, shadow, graduated in th-TH, reviewed in ar-SA, shadow-only in en-US), one candidate
waiting for the weekly review and one in the daily feed."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import User
from risk_db.models import TabooCandidate
from risk_db.services import (
    ComplaintIn,
    SurveyIn,
    WouldHitIn,
    complaints_record,
    rules_index_rebuild,
    rules_lifecycle_evaluate,
    surveys_record,
    taboo_candidate_approve,
    taboo_nominate,
    would_hits_record,
)
from risk_db.services.hits import scoring_volume_record
from shards.models import Shard
from verifier.models import Case


class Command(BaseCommand):
    help = "Load risk DB demo data (needs `load_demo` first; only with DEBUG on)."

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "DEMO_ROSTER", False)):  # config.demo (make run)
            raise CommandError("Demo data is never loaded when DEBUG is off.")
        if TabooCandidate.objects.exists():
            self.stdout.write("Risk demo data already loaded.")
            return
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["th_v1", "th_v2", "ar_v1", "en_v1", "en_v2", "senior_th"])
        }
        shards = {s.code: s for s in Shard.objects.filter(code__in=["th-TH", "ar-SA", "en-US"])}
        cases = {code: Case.objects.filter(shard=s).first() for code, s in shards.items()}
        if len(users) < 6 or len(shards) < 3 or not all(cases.values()):
            raise CommandError("Run `manage.py load_demo` first.")
        now = timezone.now()
        start = now - timedelta(days=9)
        for user, code, minutes in (("th_v1", "th-TH", 0), ("ar_v1", "ar-SA", 90), ("th_v2", "th-TH", 240)):
            n = taboo_nominate(
                user=users[user],
                case=cases[code],
                term="RoyalDog",
                context="meme mocking the king's dog",
                now=start + timedelta(minutes=minutes),
            )
        rule = taboo_candidate_approve(
            candidate=n.candidate,
            actor=users["senior_th"],
            pattern=r"royal\s*dog",
            intent_class="royal insult",
            now=start + timedelta(hours=5),
        )
        since = start + timedelta(hours=5)
        version = rule.current_version.pk
        hits = []
        for day in range(8):
            for code, per_day in (("th-TH", 6), ("ar-SA", 3)):
                hits += [
                    WouldHitIn(
                        post_id=f"demo-{code}-{day}-{i}",
                        shard_id=shards[code].pk,
                        rule_version_id=version,
                        state="shadow",
                        matched_by="regex",
                        score=1.0,
                        hashtags=("royaldog",),
                        at=since + timedelta(days=day, hours=2 + i),
                    )
                    for i in range(per_day)
                ]
        would_hits_record(hits=hits)
        for code in ("ar-SA", "en-US"):
            scoring_volume_record(shard_id=shards[code].pk, at=since + timedelta(hours=1), posts=1500)
        rules_lifecycle_evaluate(now=since + timedelta(hours=49))
        complaints, surveys = [], []
        for day in range(7):
            at = since + timedelta(days=day, hours=12)
            for code in ("th-TH", "ar-SA"):
                complaints += [
                    ComplaintIn(
                        post_id=f"c-{code}-{day}-{i}",
                        hashtags=["royaldog"] if i < 4 else ["weather"],
                        locale=code,
                        at=at,
                    )
                    for i in range(12)
                ]
            surveys += [
                SurveyIn(locale="th-TH", arm=arm, fair=i % 3 != 0, rule_id=rule.pk, at=at)
                for arm in ("treatment", "control")
                for i in range(6)
            ]
            surveys += [SurveyIn(locale="ar-SA", arm="treatment", fair=i < 2, rule_id=rule.pk, at=at) for i in range(6)]
            surveys += [SurveyIn(locale="ar-SA", arm="control", fair=i < 5, rule_id=rule.pk, at=at) for i in range(6)]
        complaints_record(items=complaints)
        surveys_record(items=surveys)
        rules_lifecycle_evaluate(now=since + timedelta(days=7, hours=1))
        for user, code, hours in (("th_v2", "th-TH", 5), ("en_v1", "en-US", 3)):
            taboo_nominate(
                user=users[user],
                case=cases[code],
                term="crowndog",
                context="caption of a palace meme",
                now=now - timedelta(hours=hours),
            )
        taboo_nominate(
            user=users["en_v2"],
            case=cases["en-US"],
            term="kingmutt",
            context="reply under a royal photo",
            now=now - timedelta(hours=1),
        )
        rules_index_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"Risk demo loaded: rule {rule.pk} with its history at /risk/rules/{rule.pk}/.")
        )
