"""The demo roster of SPEC 8, with a few cases in each queue. Every password is `demo`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.models import User
from shards.intake.pipeline import corrections_intake
from shards.models import Locale, Shard, SubgroupSurvey
from shards.services.lexicons import lexicon_load_file
from shards.services.pools import membership_set
from verifier import extensions
from verifier.demo_texts import ARABIC_CORRECTIONS, THAI_CORRECTIONS, THAI_TABOO

LOCALES = [
    # code, name, language, rare, time zone of its verifiers
    ("th-TH", "Thai (Thailand)", "th", False, "Asia/Bangkok"),
    ("ar-SA", "Arabic (Saudi Arabia)", "ar", False, "Asia/Riyadh"),
    ("en-US", "English (US)", "en", False, "America/New_York"),
    ("nv-US", "Navajo", "nv", True, "America/Denver"),
    ("chr-US", "Cherokee", "chr", True, "America/Chicago"),
]
SUBLOCALES = {
    "th": ["th-TH:bangkok", "th-TH:isan", "th-TH:north"],
    "ar": ["ar-SA:riyadh", "ar-SA:hejaz", "ar-SA:east"],
    "en": ["en-US:urban", "en-US:rural", "en-US:urban", "en-US:rural"],
}

DEMO_ITEMS = [
    ("th-TH", "th-TH:bangkok", "ผู้ชุมนุมกว่า 100 คนที่สนามหลวง", "@grok correct ผู้ชุมนุมกว่า 200 คน", ["ชุมนุม"]),
    ("th-TH", "th-TH:isan", "น้ำท่วมขอนแก่นสูง 2 เมตร", "@grok correct สูง 1.5 เมตร", ["น้ำท่วม"]),
    ("th-TH", "th-TH:north", "ภาพ ในหลวง เสด็จเยือนเชียงใหม่ ปี 2020", "@grok correct เป็นปี 2019", ["ข่าว"]),
    ("th-TH", "th-TH:bangkok", "ป้ายประท้วงเขียนว่า ล้มเจ้า ที่ราชประสงค์", "@grok correct ที่สยาม ไม่ใช่ราชประสงค์", ["ม็อบ"]),
    ("th-TH", "th-TH:north", "คลิปพระราชดำรัสเรื่องเศรษฐกิจพอเพียง", "@grok correct ปี 2540 ไม่ใช่ 2541", ["พอเพียง"]),
    (
        "en-US",
        "en-US:urban",
        "Over 100 people marched downtown on Saturday",
        "@grok correct it was 200 people",
        ["march"],
    ),
    ("en-US", "en-US:rural", "The county fair opened on June 3", "@grok correct June 4", ["fair"]),
    (
        "en-US",
        "en-US:urban",
        "Photo shows the Rama IX bridge at night",
        "@grok correct that's the Rama VIII bridge",
        ["bangkok"],
    ),
    ("ar-SA", "ar-SA:riyadh", "افتتاح المعرض في الرياض يوم الاثنين", "@grok correct يوم الثلاثاء", ["معرض"]),
    ("ar-SA", "ar-SA:hejaz", "درجة الحرارة في جدة 45 درجة", "@grok correct 42 درجة", ["طقس"]),
    ("nv-US", "nv-US", "Yá'át'ééh: the chapter house meeting is on Tuesday", "@grok correct on Wednesday", ["chapter"]),
    ("fr-FR", "", "Le marché ouvre à 8h", "@grok correct à 9h", ["marche"]),
]
# Issue 14: enough Thai taboo cases to reach the daily cap (VQ-3), and more Thai and Arabic cases.
DEMO_ITEMS += [
    ("th-TH", SUBLOCALES["th"][i % 3], text, reply, [tag])
    for i, (text, reply, tag) in enumerate(THAI_TABOO + THAI_CORRECTIONS)
]
DEMO_ITEMS += [
    ("ar-SA", SUBLOCALES["ar"][i % 3], text, reply, [tag]) for i, (text, reply, tag) in enumerate(ARABIC_CORRECTIONS)
]
# VQ-9: each demo user's UI language is their locale's (admins and the rare pool: English).
UI_LANGUAGE = {"th": "th", "ar": "ar"}


class Command(BaseCommand):
    help = "Load the demo roster and demo cases (only with DEBUG on)."

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "DEMO_ROSTER", False)):  # config.demo (make run)
            raise CommandError("The demo roster is never loaded when DEBUG is off (except by config.demo, `make run`).")
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already loaded.")
            return
        with transaction.atomic():
            self._load()
        self.stdout.write(self.style.SUCCESS("Demo roster loaded. Every password is 'demo'."))

    def _user(self, username, role, tz="UTC", sub_locale=""):
        user = User.objects.create_user(
            username=username,
            password="demo",
            role=role,
            timezone=tz,
            sub_locale=sub_locale,
            ui_language=UI_LANGUAGE.get(username.split("_")[0], "en"),
            is_staff=role == "admin",
            is_superuser=role == "admin",
        )
        return user

    def _load(self):
        locales = {}
        for code, name, lang, rare, _ in LOCALES:
            locales[code] = Locale.objects.create(code=code, name=name, language=lang, is_rare=rare)
        Locale.objects.create(code="fr-FR", name="French (France)", language="fr")  # no shard: global queue
        Locale.objects.filter(code="chr-US").update(adjacent=locales["nv-US"])
        shards = {code: Shard.objects.create(code=code, locale=locales[code]) for code in ("th-TH", "ar-SA", "en-US")}
        shards["global"] = Shard.objects.create(code="global", kind=Shard.Kind.GLOBAL)
        shards["rare"] = Shard.objects.create(code="rare", kind=Shard.Kind.RARE)
        lexicon_load_file(name="TH-risks-lm", locale_code="th-TH")

        admin = self._user("admin", "admin")
        tz = {code: zone for code, _, _, _, zone in LOCALES}
        for prefix, code, n in (("th", "th-TH", 3), ("ar", "ar-SA", 3), ("en", "en-US", 4)):
            for i in range(1, n + 1):
                sub = SUBLOCALES[code[:2]][i - 1]
                user = self._user(f"{prefix}_v{i}", "verifier", tz[code], sub)
                SubgroupSurvey.objects.create(user=user, answers={"region": sub.split(":")[1], "sub_locale": sub})
                membership_set(user=user, shard=shards[code], native=True, actor=admin)
                if code == "en-US":
                    membership_set(user=user, shard=shards["global"], native=False, actor=admin)
        for i, zone in enumerate(("America/Denver", "Europe/Berlin", "Asia/Tokyo"), start=1):
            membership_set(
                user=self._user(f"rare_v{i}", "verifier", zone), shard=shards["rare"], native=True, actor=admin
            )
        senior_th = self._user("senior_th", "senior", "Asia/Bangkok")
        membership_set(user=senior_th, shard=shards["th-TH"], native=True, actor=admin)
        senior_en = self._user("senior_en", "senior", "America/New_York")
        for code in ("en-US", "global", "rare"):
            membership_set(user=senior_en, shard=shards[code], native=code == "en-US", actor=admin)
        self._user("intake", "intake")
        self._user("trainer", "trainer")
        self._user("filter", "filter")

        for load_first in extensions.demo_loaders(before_intake=True):  # risk_db's demo rule, met by the intake below
            load_first(admin=admin)
        now = timezone.now()
        payloads = [
            {
                "post_id": f"demo-{i}",
                "post_text": text,
                "hashtags": tags,
                "reply_text": reply,
                "submitter_id": f"demo-user-{i}",
                "billing_country": locale[-2:],
                "ip": f"203.0.113.{i + 1}" if i < 250 else f"198.51.100.{i - 249}",
                "declared_locale": locale,
                "sub_locale": sub,
                "at": now.isoformat(),
            }
            for i, (locale, sub, text, reply, tags) in enumerate(DEMO_ITEMS)
        ]
        corrections_intake(payloads=payloads, now=now)
        for load_more in extensions.demo_loaders():  # appeals, calibration, pay: the quality app's
            load_more(admin=admin)
