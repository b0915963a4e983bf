"""Issue 13: the live safety filter answers from the loaded index (per locale, with versions), records shadow
would-hits off the request path, and its verdicts equal a Unicode-aware Python `re` reference."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent, User
from modelhooks import tasks
from modelhooks.scoring.corpus import make_patterns, make_posts
from modelhooks.services import filtering
from risk_db.models import RuleShardState, RuleTransition, WouldHit
from risk_db.patterns import pattern_translate
from risk_db.selectors import rules_for_scoring
from risk_db.services import (
    rule_create,
    rule_graduation_evaluate,
    rule_state_transition,
    rule_version_publish,
    rules_index_rebuild,
    rules_lifecycle_evaluate,
)
from risk_db.services.lifecycle import would_hit_rate
from shards.models import Alert
from tests.base import RISK_T0 as T0
from tests.base import (
    api_post,
    assert_api_error,
    build_world,
    days,
    good_evidence,
    login_as,
    shadow_rule,
    state_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/filter/"


@pytest.fixture(autouse=True)
def _fresh_filter_process(settings):
    """Each test is a fresh process for the filter: nothing loaded, an empty shadow buffer, every text sampled."""
    settings.FILTER = {**settings.FILTER, "SHADOW_SAMPLE_RATE": 1.0, "POLL_SECONDS": 0}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # ten accounts a world
    filtering._holder.current = None
    filtering._holder.failed.clear()
    filtering.filter_shadow_drain()
    yield
    filtering._holder.current = None
    filtering._holder.failed.clear()
    filtering.filter_shadow_drain()


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def client():
    return login_as(APIClient(), UserFactory(username="filter_svc", role=User.Role.FILTER))


def publish():
    """The nightly rebuild, then this process's poll."""
    build = rules_index_rebuild()
    filtering.filter_index_refresh()
    return build


def ask(client, **item):
    response = api_post(client, URL, item)
    assert response.status_code == 200, response.content
    return response.json()


def test_graduated_published_rule_blocks_in_its_locale_only_with_its_version(world, client):
    rule = shadow_rule(world, pattern=r"\bbadword\b")
    good_evidence(rule, world.th, at=T0 + days(1))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "graduated"
    before = ask(client, text="a BADWORD here", locale="th-TH")
    assert before["results"][0]["action"] == "allow"  # graduated, not yet published: the loaded index rules
    build = publish()
    th = ask(client, text="a BADWORD here", locale="th-TH")
    assert th["index_version"] == build.pk
    assert th["results"] == [
        {"index": 0, "action": "block", "rules": [{"rule_id": rule.pk, "version": 1}], "shadow": []}
    ]
    ar = ask(client, text="a badword here", locale="ar-SA")["results"][0]
    assert ar["action"] == "allow" and ar["shadow"] == [{"rule_id": rule.pk, "version": 1}]
    assert ask(client, text="badwords", locale="th-TH")["results"][0]["action"] == "allow"  # \b at the edge


def test_bulk_form_answers_every_item_in_order_and_a_long_text_gets_its_own_error(world, client, settings):
    rule = shadow_rule(world, pattern="ล้มเจ้า")
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="promoted", made_by="test")
    publish()
    settings.FILTER = {**settings.FILTER, "TEXT_MAX_CHARS": 50}
    body = {
        "items": [
            {"text": "ข่าวล้มเจ้าวันนี้", "locale": "th-TH"},
            {"text": "x" * 40, "ocr_text": "y" * 11, "locale": "th-TH"},
            {"text": "hello", "ocr_text": "ล้ม\u200bเจ้า", "locale": "th-TH", "post_id": "p-3"},
        ]
    }
    results = api_post(client, URL, body).json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert results[0]["action"] == "block" and results[2]["action"] == "block"  # OCR text, zero-width removed
    assert results[1]["action"] is None and results[1]["error"]["code"] == "text_too_long"
    assert results[1]["error"]["field"] == "text"
    n = len(body["items"][1]["text"]) + len(body["items"][1]["ocr_text"])
    assert results[1]["error"]["detail"] == f"text and ocr_text have {n} characters; the limit is 50."


def test_unknown_locale_and_missing_text_are_400_naming_the_field(world, client):
    body = assert_api_error(api_post(client, URL, {"text": "x", "locale": "xx-XX"}), "unknown_locale", 400)
    assert "locale" in body["errors"]
    body = assert_api_error(
        api_post(client, URL, {"items": [{"text": "x", "locale": "th-TH"}, {"locale": "th-TH"}]}), "invalid", 400
    )
    assert "items[1].text" in body["errors"]


def test_only_the_filter_role_and_admin_may_ask(world):
    senior = login_as(APIClient(), world.senior)
    assert api_post(senior, URL, {"text": "x", "locale": "th-TH"}).status_code == 403
    admin = login_as(APIClient(), UserFactory(username="admin_x", role=User.Role.ADMIN))
    assert api_post(admin, URL, {"text": "x", "locale": "th-TH"}).status_code == 200


def _blocking_v1_then_v2(world, client, author):
    """A rule approved, graduated and published blocks in th-TH with v1; `author` publishes v2 (a pattern edit)
    through the API; the nightly rebuild runs."""
    rule = shadow_rule(world, pattern=r"\bbadword\b")
    good_evidence(rule, world.th, at=T0 + days(1))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "graduated"
    publish()
    assert ask(client, text="a badword", locale="th-TH")["results"][0]["rules"] == [{"rule_id": rule.pk, "version": 1}]
    edit = api_post(
        login_as(APIClient(), author), f"/api/v1/rules/{rule.pk}/versions/", {"pattern": r"\b(?:badword|worseword)\b"}
    )
    assert edit.status_code == 201 and edit.json()["number"] == 2
    publish()
    rule.refresh_from_db()
    return rule


def test_a_new_version_of_a_blocking_rule_shadows_while_the_previous_one_keeps_blocking(world, client, eager_celery):
    rule = _blocking_v1_then_v2(world, client, world.senior)
    v1, v2 = {"rule_id": rule.pk, "version": 1}, {"rule_id": rule.pk, "version": 2}
    old = ask(client, text="a badword", locale="th-TH")
    assert old["results"][0] == {"index": 0, "action": "block", "rules": [v1], "shadow": [v2]}
    new_only = ask(client, text="a worseword", locale="th-TH")["results"][0]
    assert new_only == {"index": 0, "action": "allow", "rules": [], "shadow": [v2]}  # only v2 matches: allowed
    tasks.filter_shadow_flush()  # from live traffic: v1 blocking and v2 shadow on one text, v2 shadow on the other
    live = WouldHit.objects.filter(source="live", shard=world.th)
    assert sorted(live.values_list("rule_version__number", "state")) == [(1, "blocking"), (2, "shadow"), (2, "shadow")]
    scored = {(r.version_id, r.shard_states) for r in rules_for_scoring()}  # the scorer records v2 in shadow too
    versions = {v.number: v.pk for v in rule.versions.all()}
    assert (versions[1], ((world.th.pk, "blocking"),)) in scored
    assert any(vid == versions[2] and (world.th.pk, "shadow") in states for vid, states in scored)
    th = login_as(APIClient(), world.senior).get(f"/api/v1/rules/{rule.pk}/").json()["states"]["th-TH"]
    assert (th["state"], th["blocking_version"], th["shadow_version"]) == ("blocking", 1, 2)
    html = login_as(Client(), world.senior).get(f"/risk/rules/{rule.pk}/").content.decode()
    assert 'data-blocking-version="th-TH">blocking v1' in html and 'data-shadow-version="th-TH">shadow v2' in html
    # v2 passes the same graduation test as a new rule (7 days, its own would-hits, complaints, survey).
    since = state_of(rule, world.th).candidate_since
    good_evidence(rule, world.th, at=since + days(1))
    assert rules_lifecycle_evaluate(now=since + days(7) - days(0.01)).get("version_too_early") == 1
    assert rules_lifecycle_evaluate(now=since + days(7))["version_graduated"] == 1
    assert ask(client, text="a badword", locale="th-TH")["results"][0]["rules"] == [v1]  # until the rebuild
    build = publish()
    assert [e["number"] for e in build.entries if e["rule_id"] == rule.pk] == [2]  # v1 is gone
    for text in ("a badword", "a worseword"):
        assert ask(client, text=text, locale="th-TH")["results"][0] == {
            "index": 0,
            "action": "block",
            "rules": [v2],
            "shadow": [],
        }
    swap = RuleTransition.objects.get(rule=rule, event="version_graduated")
    assert swap.evidence["versions"] == {"previous": 1, "new": 2, "blocking": 2}
    assert swap.evidence["complaints"]["share"] == 0.3 and swap.made_by == "system:graduation"
    assert AuditEvent.objects.filter(action="rule_version_swapped", object_id=str(rule.pk)).exists()


def test_the_author_of_v2_cannot_swap_it_in_alone_a_second_senior_can(world, client):
    author, second = world.senior, UserFactory(username="senior_v2", role=User.Role.SENIOR)
    rule = _blocking_v1_then_v2(world, client, author)
    now = timezone.now()
    RuleShardState.objects.filter(rule=rule, shard=world.th).update(candidate_since=now - days(8))  # a week ago
    good_evidence(rule, world.th, at=now - days(1))
    url = f"/api/v1/rules/{rule.pk}/shards/th-TH/promote/"
    assert_api_error(login_as(APIClient(), author).post(url), "four_eyes_required", 409)
    publish()
    assert ask(client, text="a worseword", locale="th-TH")["results"][0]["action"] == "allow"
    response = login_as(APIClient(), second).post(url)
    assert response.status_code == 200 and response.json()["blocking_version"] == 2
    publish()
    answer = ask(client, text="a worseword", locale="th-TH")["results"][0]
    assert answer["action"] == "block" and answer["rules"] == [{"rule_id": rule.pk, "version": 2}]
    promoted = RuleTransition.objects.get(rule=rule, event="version_promoted")
    assert promoted.evidence["four_eyes"] == {
        "author": author.username,
        "requested_by": author.username,
        "confirmed_by": second.username,
    }


def test_an_index_that_cannot_load_keeps_the_previous_one_serving_raises_an_alert_and_readiness_503(
    world, client, monkeypatch
):
    rule = shadow_rule(world, pattern="badword")
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="promoted", made_by="test")
    first = publish()
    assert APIClient().get("/api/v1/rules/index/ready/").status_code == 200
    rule_version_publish(rule=rule, actor=world.senior, pattern="worseword", check_breadth=False)
    real = filtering.index_load

    def broken(build):
        if build is not None and build.pk != first.pk:
            raise MemoryError("out of memory compiling")
        return real(build)

    monkeypatch.setattr(filtering, "index_load", broken)
    publish()
    answer = ask(client, text="badword", locale="th-TH")
    assert answer["index_version"] == first.pk and answer["results"][0]["action"] == "block"
    alert = Alert.objects.get(kind="filter_index_load")
    assert "still serves build" in alert.message and alert.level == "loud"
    ready = APIClient().get("/api/v1/rules/index/ready/")
    assert ready.status_code == 503 and "out of memory" in ready.json()["reason"]


def test_live_traffic_through_the_filter_moves_the_would_hit_rate_on_the_rule_page(world, client, eager_celery):
    rule = shadow_rule(world, pattern=r"\bbadword\b")
    publish()
    page = login_as(Client(), world.senior)
    assert 'data-live-rate="ar-SA">–' in page.get(f"/risk/rules/{rule.pk}/").content.decode()
    texts = ["a badword", "fine", "also fine", "badword again"]
    api_post(client, URL, {"items": [{"text": t, "locale": "ar-SA"} for t in texts]})
    assert WouldHit.objects.count() == 0  # nothing written on the request path
    assert tasks.filter_shadow_flush() == 2
    html = page.get(f"/risk/rules/{rule.pk}/").content.decode()
    assert "50.0 % (2 of 4 sampled texts)" in html
    hits = WouldHit.objects.filter(source="live")
    assert hits.count() == 2 and set(hits.values_list("state", flat=True)) == {"shadow"}
    now = hits.first().at
    rate = would_hit_rate(state=state_of(rule, world.ar), start=now - days(1), end=now)
    assert rate["denominator"] == "live_filter" and rate["rate"] == 0.5


def test_sampling_records_the_share_set_and_counts_every_text_seen(world, client, eager_celery, settings):
    from risk_db.models import FilterTraffic

    shadow_rule(world, pattern="word")
    publish()
    settings.FILTER = {**settings.FILTER, "SHADOW_SAMPLE_RATE": 0.25}
    api_post(client, URL, {"items": [{"text": f"word {i}", "locale": "en-US"} for i in range(400)]})
    tasks.filter_shadow_flush()
    row = FilterTraffic.objects.get(shard=world.en)
    assert row.seen == 400 and 60 <= row.sampled <= 140
    assert WouldHit.objects.filter(shard=world.en, source="live").count() == row.sampled


def test_verdicts_equal_a_unicode_python_re_reference_on_a_mixed_script_corpus(world, client):
    patterns, posts = make_patterns()[:60], make_posts(600)
    rules = [rule_create(pattern=p, origin_locale="en-US", shards=[world.en], state="blocking") for p in patterns]
    publish()
    results = api_post(client, URL, {"items": [{"text": t, "locale": "en-US"} for t in posts]}).json()["results"]
    compiled = [re.compile(pattern_translate(p).reference, re.IGNORECASE) for p in patterns]
    want = [sorted(r.pk for r, rx in zip(rules, compiled) if rx.search(filtering.filter_text(text))) for text in posts]
    got = [sorted(x["rule_id"] for x in r["rules"]) for r in results]
    assert sum(map(len, want)) > 150  # the corpus really exercises the patterns
    assert [n for n, (g, w) in enumerate(zip(got, want)) if g != w] == []
    assert all(r["action"] == ("block" if r["rules"] else "allow") for r in results)


def _filter_at(at, texts, locale="ar-SA"):
    """Texts through the filter at a moment (the service's clock), then the buffer written as the task would."""
    filtering.filter_texts(items=[filtering.FilterItem(text=t, locale=locale) for t in texts], now=at)
    return filtering.filter_shadow_drain()


def test_a_redelivered_shadow_flush_adds_its_texts_seen_once(world, client, eager_celery):
    from modelhooks.services.live_shadow import live_shadow_record
    from risk_db.models import FilterTraffic

    shadow_rule(world, pattern=r"\bbadword\b")
    publish()
    payload = _filter_at(timezone.now(), ["a badword", "fine", "fine too"])
    assert live_shadow_record(payload=payload)["counted"] is True
    assert live_shadow_record(payload=payload)["counted"] is False  # Celery redelivers: at-least-once
    row = FilterTraffic.objects.get(shard=world.ar)
    assert (row.seen, row.sampled) == (3, 3)
    assert WouldHit.objects.filter(shard=world.ar, source="live").count() == 1
    second = _filter_at(timezone.now(), ["badword"])  # a new flush is a new id: it counts
    assert second["flush_id"] != payload["flush_id"]
    live_shadow_record(payload=second)
    assert FilterTraffic.objects.get(shard=world.ar).seen == 4


def test_rk7_48_hour_window_counts_live_traffic_by_the_hour_not_by_the_day(world, client, eager_celery):
    from datetime import UTC, datetime, timedelta

    from modelhooks.services.live_shadow import live_shadow_record
    from risk_db.models import FilterTraffic

    arrived = datetime(2026, 3, 2, 14, 20, tzinfo=UTC)
    rule = shadow_rule(world, pattern=r"\bbadword\b", since=arrived)
    publish()
    h = timedelta(hours=1)
    live_shadow_record(payload=_filter_at(arrived + 30 * h, ["a badword", "fine"]))  # inside the 48 h
    # the same UTC day as the window's end (2026-03-04), but two hours after it: a day bucket counted these
    live_shadow_record(payload=_filter_at(arrived + 50 * h, ["badword", "badword!", "x badword"]))
    assert FilterTraffic.objects.filter(shard=world.ar).count() == 2
    rate = would_hit_rate(state=state_of(rule, world.ar), start=arrived, end=arrived + 48 * h)
    assert rate["denominator"] == "live_filter"
    assert (rate["hits"], rate["posts"]) == (1, 2)
    assert rate["hours"] == ["2026-03-02T14:00:00+00:00", "2026-03-04T15:00:00+00:00"]


def test_a_new_version_in_an_importing_shard_graduates_by_the_same_test_on_that_shards_evidence(world, client):
    """RK-7 + issue 13: the rule imported into ar-SA blocks there by local promotion; its v2 then shadows there and
    replaces v1 by the scheduled graduation test on ar-SA's own complaints and survey, no hand promotion."""
    rule = shadow_rule(world, pattern=r"\bbadword\b")
    good_evidence(rule, world.th, at=T0 + days(1))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "graduated"
    ar = state_of(rule, world.ar)
    assert not ar.origin
    rule_state_transition(state=ar, to_state="blocking", event="promoted", made_by="test:local", now=T0 + days(8))
    publish()
    edit = api_post(
        login_as(APIClient(), world.senior), f"/api/v1/rules/{rule.pk}/versions/", {"pattern": r"\bworseword\b"}
    )
    assert edit.status_code == 201
    rule.refresh_from_db()
    ar = state_of(rule, world.ar)
    assert (ar.blocking_version.number, ar.candidate_version.number) == (1, 2)
    since = ar.candidate_since
    good_evidence(rule, world.ar, at=since + days(1))  # v2's would-hits, complaints and survey in ar-SA only
    assert rules_lifecycle_evaluate(now=since + days(7) - days(0.01)).get("version_too_early") == 2
    outcome = rules_lifecycle_evaluate(now=since + days(7))
    assert outcome["version_graduated"] == 1 and outcome["version_waiting"] == 1  # th-TH has no v2 evidence yet
    ar, th = state_of(rule, world.ar), state_of(rule, world.th)
    assert (ar.blocking_version.number, ar.candidate_version) == (2, None)
    assert (th.blocking_version.number, th.candidate_version.number) == (1, 2)
    swap = RuleTransition.objects.get(rule=rule, shard=world.ar, event="version_graduated")
    assert swap.made_by == "system:graduation" and swap.evidence["versions"]["blocking"] == 2
    publish()
    assert ask(client, text="a worseword", locale="ar-SA")["results"][0]["rules"] == [
        {"rule_id": rule.pk, "version": 2}
    ]
    assert ask(client, text="a worseword", locale="th-TH")["results"][0]["action"] == "allow"


# Issue 13: rules are matched in the one normaliser's form (NFKC, invisible characters removed, case folded):
# a rule's literal term written in full width, upper case, a ligature, Thai SARA AM decomposed, or with
# invisible characters inside is still the term, in the filter, the scorer and the queue's matcher.
FOLD_TERMS = {r"\bbadfish\b": "badfish", "ทำร้าย": "ทำร้าย", r"\bملك\b": "ملك"}
INVISIBLES = ["\u00ad", "\u200b", "\u200d", "\u2060", "\ufe0f", "\u034f", "\u061c", "\U000e0041"]


def _disguise(draw_char, term: str) -> str:
    out = []
    i = 0
    while i < len(term):
        c = term[i]
        how = draw_char
        if term.startswith("fi", i) and how("ligature"):
            out.append("\ufb01")  # LATIN SMALL LIGATURE FI
            i += 2
            continue
        if c == "ำ" and how("decompose"):
            out.append("\u0e4d\u0e32")  # NIKHAHIT + SARA AA: NFKC's form of SARA AM
        elif c.isascii() and c.isalpha() and how("fullwidth"):
            out.append(chr(ord(c.upper() if how("upper") else c) + 0xFEE0))
        elif c.isascii() and how("upper"):
            out.append(c.upper())
        else:
            out.append(c)
        if how("invisible"):
            out.append(INVISIBLES[len(out) % len(INVISIBLES)])
        i += 1
    return "".join(out)


def test_a_rule_term_in_full_width_upper_case_or_with_invisible_characters_still_matches_everywhere(world, client):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    from modelhooks.scoring.engine import Engine
    from risk_db.services import rules_matching_text
    from tests.modelhooks.test_patterns import rules_from

    patterns = list(FOLD_TERMS)
    rules = [rule_create(pattern=p, origin_locale="en-US", shards=[world.en], state="blocking") for p in patterns]
    publish()
    engine = Engine(rules_from(patterns), cosine_threshold=0.6)

    @hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), which=st.integers(0, len(patterns) - 1), around=st.sampled_from(["", "x ", ". ", "«"]))
    def check(data, which, around):
        term = FOLD_TERMS[patterns[which]]
        disguised = _disguise(lambda label: data.draw(st.booleans(), label=label), term)
        text = f"{around}{disguised} !"
        answer = api_post(client, URL, {"text": text, "locale": "en-US"}).json()["results"][0]
        assert {"rule_id": rules[which].pk, "version": 1} in answer["rules"], (text, answer)
        assert which in engine.match([text])[0], text
        assert rules[which] in rules_matching_text(text=text, locale="en-US"), text

    check()
    # and it can fail: the same texts without the term are allowed
    assert ask(client, text="badfis h ทำ ร้าย ม لك", locale="en-US")["results"][0]["action"] == "allow"


def test_the_filter_trusts_a_checked_token_for_at_most_the_cache_seconds_after_a_revocation(world, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.tokens import CachedTokenAuthentication, token_create, tokens_revoke_all

    publish()
    user = UserFactory(username="filter_tok", role=User.Role.FILTER)
    key, _ = token_create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    clock = [1000.0]
    monkeypatch.setattr("core.tokens.time.monotonic", lambda: clock[0])
    CachedTokenAuthentication._checked.clear()
    assert api_post(api, URL, {"text": "hello", "locale": "en-US"}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api_post(api, URL, {"text": "hello", "locale": "en-US"}).status_code == 200
    assert not [q for q in queries.captured_queries if "knox_authtoken" in q["sql"]]  # checked 0 s ago: trusted
    tokens_revoke_all(user=user)
    clock[0] += 4.9  # within FILTER["TOKEN_CACHE_SECONDS"] (5): the stated bound
    assert api_post(api, URL, {"text": "hello", "locale": "en-US"}).status_code == 200
    clock[0] += 0.2
    assert api_post(api, URL, {"text": "hello", "locale": "en-US"}).status_code == 401
    assert (
        api_post(APIClient(HTTP_AUTHORIZATION=f"Token {key}x"), URL, {"text": "a", "locale": "en-US"}).status_code
        == 401
    )


def _sampling_reference(post_id: str, text: str, rate: float) -> bool:
    """The documented sampling rule, computed independently of the engine's batch buffer: CRC-32 of the post
    id's UTF-8, or of the normalised text's word form (word_text, one character at a time)."""
    import zlib

    from risk_db.patterns import word_text

    key = (
        post_id.encode("utf-8") if post_id else word_text(filtering.filter_text(text)).encode("utf-8", "surrogatepass")
    )
    return zlib.crc32(key) < rate * 2**32


def test_sampling_is_the_crc32_of_the_post_id_or_of_the_normalised_word_form_in_batch_and_alone():
    from modelhooks.scoring.engine import WordBuffer, match_texts, word_buffer
    from tests.core.test_text_batch import _corpus

    texts = _corpus(3000, seed=21)
    post_ids = [f"p-{i}" if i % 3 == 0 else "" for i in range(len(texts))]
    normalised = match_texts(texts)
    words = word_buffer(normalised)
    assert words.buffer is not None  # the batch path: the hash is read from the engine's buffer
    every_id = [f"p-{i}" for i in range(len(texts))]  # no word form is hashed then
    for ids in (post_ids, [""] * len(texts), every_id):
        want = [_sampling_reference(p, t, 0.1) for p, t in zip(ids, texts)]
        assert 0.07 < sum(want) / len(want) < 0.13
        assert filtering._sampled_flags(ids, normalised, words, 0.1) == want
        alone = [filtering._sampled_flags([p], [t], WordBuffer(None, None), 0.1)[0] for p, t in zip(ids, normalised)]
        assert alone == want  # a text is in or out whether it came alone or in a batch


def test_a_bulk_call_pauses_the_cyclic_collector_and_restores_it_even_when_it_fails(world, monkeypatch):
    import gc

    shadow_rule(world, pattern="word")
    publish()
    during = []
    real = filtering.match_words
    monkeypatch.setattr(filtering, "match_words", lambda texts: during.append(gc.isenabled()) or real(texts))
    assert gc.isenabled()
    filtering.filter_texts(items=[filtering.FilterItem(text="a word", locale="en-US")] * 3)
    assert during == [False] and gc.isenabled()

    def fail(texts):
        raise RuntimeError("boom")

    monkeypatch.setattr(filtering, "match_words", fail)
    with pytest.raises(RuntimeError):
        filtering.filter_texts(items=[filtering.FilterItem(text="a word", locale="en-US")])
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        monkeypatch.setattr(filtering, "match_words", real)
        filtering.filter_texts(items=[filtering.FilterItem(text="a word", locale="en-US")])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_softened_rule_shadows_only_the_texts_at_its_sentiment_floor(world, client, settings):
    """RK-6 in the live filter: a rule reverted in en-US, softened through the API with VADER (which reads
    English), published; the filter's shadow answers equal risk_db's own matching of the softened version."""
    from risk_db.models import RuleVersion
    from risk_db.services.rules import rule_version_matches
    from tests.base import hooks_install

    hooks_install(settings, SENTIMENT="modelhooks.hooks.others.VaderSentiment")
    rule = shadow_rule(world, pattern="landgrab", origin="en-US")
    state = rule_state_transition(state=state_of(rule, world.en), to_state="blocking", event="promoted", made_by="t")
    rule_state_transition(state=state, to_state="reverted", event="auto_reverted", made_by="t")
    response = login_as(APIClient(), world.senior).post(
        f"/api/v1/rules/{rule.pk}/soften/", {"keyword": "landgrab"}, format="json"
    )
    assert response.status_code == 201, response.content
    softened = RuleVersion.objects.get(rule=rule, number=response.json()["number"])
    assert softened.kind == "keyword_sentiment" and state_of(rule, world.en).state == "shadow"
    publish()
    texts = ["landgrab is great, love it", "stop the corrupt landgrab, it is unfair", "nothing to see here"]
    results = api_post(client, URL, {"items": [{"text": t, "locale": "en-US"} for t in texts]}).json()["results"]
    want = [
        [{"rule_id": rule.pk, "version": softened.number}] if rule_version_matches(version=softened, text=t) else []
        for t in texts
    ]
    assert [r["shadow"] for r in results] == want
    assert [bool(w) for w in want] == [True, False, False]  # praise would hit; critique and the rest flow
    assert {r["action"] for r in results} == {"allow"}  # a shadow version blocks nothing


def test_a_process_told_not_to_load_at_start_loads_on_its_first_filter_request_and_polls_from_then(
    world, client, settings
):
    """FILTER["LOAD_AT_START"] off (the processes of pages and the queue): the poll thread's turn loads nothing
    until the process serves a filter request; from then on the turn swaps to a newer build as usual. On (the
    default), the first turn loads the newest build."""
    from modelhooks.tasks import filter_worker_turn

    rule = shadow_rule(world, pattern=r"\bbadword\b")
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="promoted", made_by="test")
    first = rules_index_rebuild()
    settings.FILTER = {**settings.FILTER, "LOAD_AT_START": False}
    assert filter_worker_turn() is False and not filtering.filter_index_loaded()
    answer = ask(client, text="a badword", locale="th-TH")  # the first filter request loads it
    assert answer["index_version"] == first.pk and answer["results"][0]["action"] == "block"
    second = rules_index_rebuild(force=True)
    assert filter_worker_turn() is True
    assert ask(client, text="a badword", locale="th-TH")["index_version"] == second.pk
    filtering._holder.current = None  # a fresh process with the default
    settings.FILTER = {**settings.FILTER, "LOAD_AT_START": True}
    assert filter_worker_turn() is True and filtering.filter_index().build_id == second.pk
