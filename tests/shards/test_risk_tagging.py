"""SH-3: TH-risks-lm cases go to the Thai native-only queue; nobody else receives, sees or rules them."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client

from shards.models import Correction, RiskLexicon, RiskTerm, Shard
from shards.services.lexicons import tagger
from tests.factories import ShardFactory, UserFactory, shard_with_pool, shipped_lexicon_ensure, verifier_in
from verifier.models import Case

pytestmark = pytest.mark.django_db


def intake(api, **over):
    body = {
        "post_id": "p-royal",
        "post_text": "ภาพ ในหลวง เสด็จเยือนเชียงใหม่",
        "hashtags": ["ข่าว"],
        "reply_text": "@grok correct ปี 2019",
        "submitter_id": "u1",
        "billing_country": "US",
        "ip": "198.51.100.7",
        "declared_locale": "en-US",
        "at": "2026-11-26T10:00:00+07:00",
    }
    body.update(over)
    api.force_authenticate(UserFactory(username="intake", role="intake"))
    return api.post("/api/v1/corrections/", body, format="json").json()["results"][0]


@pytest.fixture
def world():
    th, th_pool = shard_with_pool("th-TH", prefix="th")
    en, en_pool = shard_with_pool("en-US", prefix="en")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    # A Thai-speaking member of the Thai shard who is not native: still no native-only case.
    outsider = verifier_in(th, username="th_nonnative", native=False)
    return th, th_pool, en_pool, outsider


def test_lexicon_ships_with_the_schema():
    """The data migration loads it. Run here on emptied tables: in random order a transactional
    test's flush may already have wiped the copy the test database was built with."""
    migration = importlib.import_module("shards.migrations.0003_th_risks_lm")
    RiskTerm.objects.filter(lexicon__name="TH-risks-lm").delete()
    RiskLexicon.objects.filter(name="TH-risks-lm").delete()
    migration.load(django_apps, None)
    assert RiskTerm.objects.filter(lexicon__name="TH-risks-lm").count() >= 40


@pytest.mark.parametrize(
    "text,tagged",
    [
        ("พระบาทสมเด็จพระเจ้าอยู่หัวเสด็จ", True),
        ("ใน\u200bหลวง", True),  # a zero-width space does not hide the term
        ("ร.๙ ทรงงาน", True),
        ("Rama IX bridge", True),
        ("Rama Xavier said hello", False),  # Latin terms match whole words only
        ("ตลาดนัดวันเสาร์", False),
    ],
)
def test_tagging_of_text(text, tagged):
    shipped_lexicon_ensure()  # in random order a transactional test may have flushed it
    tagger.refresh()
    assert bool(tagger.tag(text)) is tagged


def test_ocr_text_is_tagged_too(api, world):
    result = intake(api, post_text="photo of a parade", ocr_text="ทรงพระเจริญ")
    assert Case.objects.get(public_id=result["case_id"]).native_only


def test_royal_post_declared_english_goes_to_thai_native_only_taboo_queue(api, world):
    result = intake(api)
    assert result["outcome"] == "queued" and result["shard"] == "th-TH"
    case = Case.objects.get(public_id=result["case_id"])
    assert case.kind == "taboo" and case.native_only and case.hard_block_locale == "th-TH"
    assert any("ในหลวง" in tag for tag in case.risk_tags)


def test_non_thai_verifiers_never_receive_see_or_rule_a_th_risk_case(api, world):
    th, th_pool, en_pool, outsider = world
    case_id = intake(api)["case_id"]
    for user in [*en_pool, outsider]:
        api.force_authenticate(user)
        assert api.get("/api/v1/queue/next/").status_code == 204
        assert api.get(f"/api/v1/cases/{case_id}/").status_code == 404
        assert api.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": "no"}, format="json").status_code == 404
        page = Client()
        page.force_login(user)
        assert case_id not in page.get("/queue/next/").content.decode()
        assert page.post(f"/queue/cases/{case_id}/ruling/", {"answer": "no"}).status_code == 200
    assert not Case.objects.get(public_id=case_id).rulings.exists()
    api.force_authenticate(th_pool[0])
    body = api.get("/api/v1/queue/next/").json()
    assert body["id"] == case_id and body["kind"] == "taboo" and body["banner"].startswith("TABOO")
    assert body["proposal"] == ""  # the taboo screen shows the post and its context only


def test_accepted_thai_delta_carries_the_regional_hard_block_bit(api, world):
    th, th_pool, *_ = world
    case_id = intake(api)["case_id"]
    api.force_authenticate(th_pool[0])
    api.get("/api/v1/queue/next/")
    assert api.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": "no"}, format="json").status_code == 201
    sample = Case.objects.get(public_id=case_id).sample
    assert sample.regional_hard_block and sample.hard_block_locale == "th-TH"
    from training.selectors import samples_exportable

    assert list(samples_exportable(shard=th)) == [sample]
    other = ShardFactory(code="ar-SA")
    assert not samples_exportable(shard=other).filter(pk=sample.pk).exists()


ISSUE_SIX = ["\u00ad", "\u034f", "\ufe0f", "\u180e", "\u2061", "\u200e"]


def test_invisible_characters_inside_a_term_do_not_send_a_royal_post_to_english(api, world):
    """Issue 11, leak 4: each of six invisible characters inside "ในหลวง" got the post past the tagger,
    into en-US as a plain correction, and an en-US verifier was handed all six."""
    th, th_pool, en_pool, outsider = world
    results = [
        intake(api, post_id=f"p-{i}", submitter_id=f"u-{i}", ip=f"198.51.100.{20 + i}", post_text=f"ภาพ ใน{ch}หลวง")
        for i, ch in enumerate(ISSUE_SIX)
    ]
    assert [(r["outcome"], r["shard"]) for r in results] == [("queued", "th-TH")] * len(ISSUE_SIX)
    cases = Case.objects.filter(public_id__in=[r["case_id"] for r in results])
    assert sorted((c.kind, c.native_only) for c in cases) == [("taboo", True)] * len(ISSUE_SIX)
    for user in en_pool:
        api.force_authenticate(user)
        assert api.get("/api/v1/queue/next/").status_code == 204


def test_items_decided_before_routing_are_stored_tagged(api, world):
    """Issue 11, tag first: rate_limited and invalid royal posts (decided before the old risk-tag
    step) are stored with their tags and the lexicon's locale, so the fence can hide them."""
    same = {"ip": "198.51.100.99", "billing_country": "US"}
    outcomes = [intake(api, post_id=f"r-{i}", submitter_id=f"r-{i}", **same)["outcome"] for i in range(4)]
    invalid = intake(api, post_id="r-bad", submitter_id="r-bad", ip="not an address")
    assert outcomes == ["queued", "queued", "queued", "rate_limited"] and invalid["outcome"] == "invalid"
    stored = Correction.objects.filter(post_id__in=["r-3", "r-bad"])
    assert sorted(stored.values_list("outcome", "risk_locale")) == [("invalid", "th-TH"), ("rate_limited", "th-TH")]
    assert all(any("ในหลวง" in tag for tag in c.risk_tags) for c in stored)
