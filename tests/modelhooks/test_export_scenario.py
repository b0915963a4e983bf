"""Issue 10 scenario, through the public API only, on PostgreSQL and on SQLite: intake bulk POST ->
crowd-accepted samples with correction-graph ids -> only batched samples are exported, at the batch
weight, with their batch id; the JSONL and Parquet files are checked row by row against an
expectation computed here from the inputs. The blocking rule goes its whole way over the API too:
nominated by two verifiers, approved by a senior, a week in shadow with its evidence (complaints and a
survey through the intake API; the scorer's beat records the would-hit), refused to its author and
promoted by a second senior (issue 13's four eyes). Only the beats (scoring tick) run as tasks."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import time_machine
from django.conf import settings as dj_settings

from modelhooks.tasks import scoring_tick
from shards.models import Shard
from shards.services.pools import membership_set
from tests.base import INTAKE_T0, api_get, api_post, assert_api_error, item, login_as, pool
from tests.factories import ShardFactory, UserFactory, shard_with_pool

pytestmark = pytest.mark.django_db

POSTS = {  # post id -> the number the crowd corrects it to
    "march": 200,
    "rally": 350,
    "strike": 1200,
}


def backers(post_id):
    return [f"{post_id}-user{i}" for i in range(5)]  # 5 unique users auto-accept (IN-5)


def crowd(post_id):
    n = POSTS[post_id]
    return [
        item(post_id=post_id, submitter_id=s, hashtags=[f"#{post_id}"], reply_text=f"@grok correct it was {n} people")
        for s in backers(post_id)
    ]


def expected_row(post_id, batch_id):
    """What the export must say of a crowd-accepted post, from the inputs alone."""
    graph = hashlib.sha256("\x00".join(sorted(backers(post_id))).encode()).hexdigest()[:32]  # IN-11 graph id
    return {
        "post_id": post_id,
        "locale": "en-US",
        "text_delta": f"it was {POSTS[post_id]} people",
        "graph_id": graph,
        "batch_id": batch_id,
        "weight": Decimal("0.3000"),
        "accepted_by": "auto_accept",
        "regional_hard_block": False,
    }


@pytest.fixture
def world(settings, export_dir, eager_celery):
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    shard_with_pool("en-US")
    shard_with_pool("th-TH")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    return export_dir


def export(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/v1/exports/", {"shard": "en-US"}, format="json")
    assert r.status_code == 202
    body = api.get(f"/api/v1/exports/{r.json()['id']}/").json()
    assert body["status"] == "done", body["error"]
    folder = Path(dj_settings.MODELHOOKS["EXPORT_DIR"]) / "en-US" / body["id"]
    jsonl = [json.loads(line, parse_float=Decimal) for line in (folder / "samples.jsonl").read_text().splitlines()]
    parquet = pq.read_table(folder / "samples.parquet").to_pylist()
    return body["manifest"], jsonl, parquet


def pick(rows):
    keys = expected_row("march", 0).keys()
    return [{k: r[k] for k in keys} for r in rows]


def test_crowd_accepted_samples_leave_only_once_batched_at_the_batch_weight(
    api, world, django_capture_on_commit_callbacks
):
    intake, trainer = UserFactory(username="intake", role="intake"), UserFactory(username="trainer", role="trainer")
    api.force_authenticate(intake)
    r = api.post("/api/v1/corrections/", {"items": crowd("march") + crowd("rally")}, format="json")
    assert r.status_code == 200 and {x["outcome"] for x in r.json()["results"]} == {"auto_accepted"}

    api.force_authenticate(trainer)
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    assert jsonl == [] and parquet == []  # accepted but not cut into a batch yet: nothing leaves (IN-12)
    assert manifest["counts"]["excluded_unbatched"] == 2 and manifest["counts"]["rows"] == 0

    cut = api.post("/api/v1/batches/", {"shard": "en-US"}, format="json")
    assert cut.status_code == 201
    assert cut.json() == {"id": cut.json()["id"], "samples": 2, "weight": 0.3}
    batch_id = cut.json()["id"]

    api.force_authenticate(intake)
    r = api.post("/api/v1/corrections/", {"items": crowd("strike")}, format="json")
    assert {x["outcome"] for x in r.json()["results"]} == {"auto_accepted"}

    api.force_authenticate(trainer)
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    expected = [expected_row("march", batch_id), expected_row("rally", batch_id)]  # "strike" waits for a cut
    assert pick(jsonl) == expected
    assert pick(parquet) == expected
    assert [r["id"] for r in parquet] == [r["id"] for r in jsonl]
    assert manifest["counts"]["rows"] == 2 and manifest["counts"]["excluded_unbatched"] == 1

    second = api.post("/api/v1/batches/", {"shard": "en-US"}, format="json")
    assert second.status_code == 201 and second.json()["samples"] == 1 and second.json()["id"] != batch_id
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    expected.append(expected_row("strike", second.json()["id"]))
    assert pick(jsonl) == expected and pick(parquet) == expected
    assert manifest["counts"]["excluded_unbatched"] == 0


# ---- the whole of issue 10: rulings, an appeal, a botnet, a blocking rule, two cuts, two exports -------------

SCENARIO = {  # post id -> (post text, the number in it, the corrected number, who decides)
    "march": ("Over 100 people marched", "100", "200", "crowd"),
    "rally": ("About 300 people rallied", "300", "350", "crowd"),  # its backers turn out to be a botnet
    "banned": ("Over 40 people at the forbiddenword protest", "40", "60", "crowd"),  # a blocking rule matches
    "bridge": ("The bridge opened in 1990", "1990", "1992", "verifier"),
    "dam": ("The dam was built in 1950", "1950", "1955", "verifier"),  # ruled yes, reversed on appeal
    "strike": ("About 1000 people struck", "1000", "1200", "crowd"),  # accepted after the first cut
}


def scenario_items(post_id):
    text, _, new, who = SCENARIO[post_id]
    users = backers(post_id) if who == "crowd" else [f"{post_id}-user0"]
    return [
        item(
            post_id=post_id,
            post_text=text,
            submitter_id=u,
            hashtags=[f"#{post_id}"],
            reply_text=f"@grok correct it was {new} people" if who == "crowd" else f"@grok correct it was {new}",
        )
        for u in users
    ]


def scenario_expected(post_id, batch_id):
    """A sample as the export must show it, from the inputs alone: the post with the corrected number in
    place of the old one, and the span of the new number."""
    text, old, new, who = SCENARIO[post_id]
    users = backers(post_id) if who == "crowd" else [f"{post_id}-user0"]
    at = text.index(old)
    return {
        "post_id": post_id,
        "locale": "en-US",
        "text_delta": f"it was {new} people" if who == "crowd" else f"it was {new}",
        "text": text[:at] + new + text[at + len(old) :],
        "target_spans": [[at, at + len(new)]],
        "graph_id": hashlib.sha256("\x00".join(sorted(users)).encode()).hexdigest()[:32],
        "batch_id": batch_id,
        "weight": Decimal("0.3000"),
        "accepted_by": "auto_accept" if who == "crowd" else "ruling",
        "regional_hard_block": False,
    }


def scenario_pick(rows):
    keys = scenario_expected("march", 0).keys()
    out = []
    for r in rows:
        row = {k: r[k] for k in keys}
        if isinstance(row["target_spans"], str):  # Parquet holds the spans as JSON text
            row["target_spans"] = json.loads(row["target_spans"])
        out.append(row)
    return out


def fetch(api, export_id, name):
    """A file over the API, checked against the sha256 header."""
    r = api.get(f"/api/v1/exports/{export_id}/files/{name}")
    assert r.status_code == 200, r.content[:300]
    body = b"".join(r.streaming_content)
    assert hashlib.sha256(body).hexdigest() == r["X-Content-SHA256"]
    return body


def check_files(api, manifest):
    """Every file the manifest lists comes over the API with the size and sha256 the manifest gives."""
    for entry in manifest["files"].values():
        body = fetch(api, manifest["export_id"], entry["name"])
        assert (len(body), hashlib.sha256(body).hexdigest()) == (entry["bytes"], entry["sha256"])


def jsonl_rows(body):
    return [json.loads(line, parse_float=Decimal) for line in body.decode().splitlines()]


@pytest.fixture
def scenario_world(settings, export_dir, eager_celery):
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    settings.APPEALS = {**settings.APPEALS, "TIER1_PEERS": 3}
    en, verifiers, senior = pool("en-US")  # five en-US verifiers in four sub-locales (AP-2 peers from other subgroups)
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    second = UserFactory(username="senior_en-US_2", role="senior")
    membership_set(user=second, shard=en, native=True)
    return en, verifiers, (senior, second)


def blocking_rule_through_the_api(api, verifiers, seniors, intake):
    """RK-1..RK-5 and issue 13's four eyes, all over the API, eight days before the scenario: two verifiers
    nominate "forbiddenword" on the cases they are handed (and reject those corrections, so they make no
    sample), a senior approves it with a pattern (a rule, in shadow). Returns the rule id; the evidence and
    the promotion by the second senior follow the scenario's first intake (see the caller)."""
    with time_machine.travel(INTAKE_T0 - timedelta(days=8), tick=True):
        login_as(api, intake)
        seeds = [
            item(
                post_id=f"seed{i}",
                post_text=f"The forbiddenword march began in {1970 + i}",
                submitter_id=f"seed{i}-user0",
                reply_text=f"@grok correct it was {1980 + i}",
                at=INTAKE_T0 - timedelta(days=8),
            )
            for i in range(2)
        ]
        assert {x["outcome"] for x in api_post(api, "/api/v1/corrections/", {"items": seeds}).json()["results"]} == {
            "queued"
        }
        for verifier in verifiers[1:3]:
            login_as(api, verifier)
            case = api_get(api, "/api/v1/queue/next/").json()
            nominated = api_post(
                api,
                f"/api/v1/cases/{case['id']}/taboo-nominations/",
                {"term": "forbiddenword", "context": "a slur dressed up as a march name"},
            )
            assert nominated.status_code == 201, nominated.json()
            assert api_post(api, f"/api/v1/cases/{case['id']}/ruling/", {"answer": "no"}).status_code == 201
        login_as(api, seniors[0])
        [candidate] = api_get(api, "/api/v1/taboo-candidates/?status=review").json()
        approved = api_post(
            api,
            f"/api/v1/taboo-candidates/{candidate['id']}/approve/",
            {"pattern": r"\bforbiddenword\b", "intent_class": "slur", "origin_locale": "en-US"},
        )
        assert approved.status_code == 201, approved.json()
    return approved.json()["rule_id"]


def blocking_rule_promoted(api, rule_id, seniors, intake):
    """The shadow evidence over the API (the scorer saw the banned post; a complaint on it; a neutral survey),
    then issue 13's four eyes: the approving senior may not promote alone, the second senior does."""
    scoring_tick()  # MH-1, the beat: the shadow rule's would-hit on the "banned" post
    login_as(api, intake)
    at = (INTAKE_T0 + timedelta(hours=1)).isoformat()
    complaints = [{"post_id": "banned", "hashtags": ["#banned"], "locale": "en-US", "at": at}]
    stored = api_post(api, "/api/v1/complaints/", {"items": complaints}).json()["results"]
    assert {r["outcome"] for r in stored} == {"stored"}, stored
    surveys = [
        {"locale": "en-US", "arm": arm, "fair": i % 2 == 0, "rule_id": rule_id, "at": at}
        for arm in ("treatment", "control")
        for i in range(20)
    ]
    stored = api_post(api, "/api/v1/surveys/", {"items": surveys}).json()["results"]
    assert {r["outcome"] for r in stored} == {"stored"}, stored
    url = f"/api/v1/rules/{rule_id}/shards/en-US/promote/"
    login_as(api, seniors[0])
    assert_api_error(api.post(url), "four_eyes_required", 409)
    login_as(api, seniors[1])
    promoted = api.post(url)
    assert promoted.status_code == 200 and promoted.json()["state"] == "blocking", promoted.json()


def test_issue_10_scenario_rulings_appeal_botnet_blocking_rule_two_cuts_two_exports(
    api, scenario_world, django_capture_on_commit_callbacks
):
    en, verifiers, seniors = scenario_world
    intake, trainer = UserFactory(username="intake", role="intake"), UserFactory(username="trainer", role="trainer")
    # the blocking rule, through the API: nominated, approved, a week in shadow, promoted by a second senior
    rule_id = blocking_rule_through_the_api(api, verifiers, seniors, intake)

    login_as(api, intake)
    first = [p for p in SCENARIO if p != "strike"]
    r = api_post(api, "/api/v1/corrections/", {"items": [i for p in first for i in scenario_items(p)]})
    outcomes = {x["outcome"] for x in r.json()["results"]}
    assert r.status_code == 200 and outcomes == {"auto_accepted", "queued"}, r.json()
    blocking_rule_promoted(api, rule_id, seniors, intake)

    rulings = {}
    login_as(api, verifiers[0])
    for _ in range(2):  # the two posts a verifier decides
        case = api_get(api, "/api/v1/queue/next/").json()
        post = next(p for p, v in SCENARIO.items() if v[0] == case["post_text"])
        ruled = api_post(api, f"/api/v1/cases/{case['id']}/ruling/", {"answer": "yes"})
        assert ruled.status_code == 201
        rulings[post] = ruled.json()["ruling_id"]
    assert set(rulings) == {"bridge", "dam"}

    login_as(api, trainer)
    cut = api_post(api, "/api/v1/batches/", {"shard": "en-US"})
    assert cut.status_code == 201 and cut.json()["samples"] == 5
    batch1 = cut.json()["id"]
    login_as(api, intake)
    assert {
        x["outcome"]
        for x in api_post(api, "/api/v1/corrections/", {"items": scenario_items("strike")}).json()["results"]
    } == {"auto_accepted"}

    login_as(api, trainer)
    m1, jsonl1, parquet1 = export(api, django_capture_on_commit_callbacks)
    expected1 = [scenario_expected(p, batch1) for p in ("march", "rally", "bridge", "dam")]
    assert scenario_pick(jsonl1) == expected1 and scenario_pick(parquet1) == expected1
    assert m1["previous_export"] is None and m1["counts"]["retractions"] == 0
    assert (m1["counts"]["excluded_blocking_rule"], m1["counts"]["excluded_unbatched"]) == (1, 1)
    assert m1["blocking_rules"] == [{"rule_id": rule_id, "version": 1, "samples": 1}]
    check_files(api, m1)
    assert jsonl_rows(fetch(api, m1["export_id"], "samples.jsonl")) == jsonl1

    # AP-5: the verifier appeals their own "dam" ruling; the tier-1 peers overturn it by majority
    login_as(api, verifiers[0])
    opened = api_post(api, f"/api/v1/rulings/{rulings['dam']}/appeals/", {"reason": "I misread the year"})
    assert opened.status_code == 201 and opened.json()["tier"] == 1
    appeal_id, votes = opened.json()["appeal_id"], 0
    for peer in verifiers[1:]:
        login_as(api, peer)
        seats = [a for a in api_get(api, "/api/v1/appeals/").json()["to_review"] if a["appeal_id"] == appeal_id]
        if seats and votes < 2:
            assert api_post(api, f"/api/v1/appeals/{appeal_id}/votes/", {"vote": "overturn"}).status_code == 201
            votes += 1
    assert votes == 2
    # IN-10: the "rally" backers and 16 more users reply to each other twice: one component of 21, all on #rally
    chain = backers("rally") + [f"ring{i}" for i in range(16)]
    replies = [
        {"from_user": a, "to_user": b, "at": "2026-11-26T11:00:00+00:00"}
        for a, b in zip(chain, chain[1:])
        for _ in range(2)
    ]
    login_as(api, intake)
    assert api_post(api, "/api/v1/replies/", {"items": replies}).status_code in (200, 201)

    login_as(api, trainer)
    cut = api_post(api, "/api/v1/batches/", {"shard": "en-US"})
    assert cut.status_code == 201 and cut.json()["samples"] == 1
    batch2 = cut.json()["id"]
    m2, jsonl2, parquet2 = export(api, django_capture_on_commit_callbacks)
    expected2 = [
        scenario_expected("march", batch1),
        scenario_expected("bridge", batch1),
        scenario_expected("strike", batch2),
    ]
    assert scenario_pick(jsonl2) == expected2 and scenario_pick(parquet2) == expected2
    ids1 = {r["post_id"]: r["id"] for r in jsonl1}
    retractions = jsonl_rows(fetch(api, m2["export_id"], "retractions.jsonl"))
    assert [(r["sample_id"], r["post_id"], r["reason"], r["exports"]) for r in retractions] == [
        (ids1["dam"], "dam", "appeal_reversed", [m1["export_id"]]),
        (ids1["rally"], "rally", "component_suspended", [m1["export_id"]]),
    ]
    reversals = jsonl_rows(fetch(api, m2["export_id"], "reversals.jsonl"))
    assert [(r["post_id"], r["action"], r["weight"], r["tier"]) for r in reversals] == [
        ("dam", "retract", Decimal("0.01"), 1)
    ]
    counts = m2["counts"]
    assert m2["previous_export"] == m1["export_id"] == m2["retractions"]["diffs_against"]
    assert (counts["rows"], counts["shard_samples"], counts["retractions"], counts["reversals"]) == (3, 6, 2, 1)
    assert (counts["excluded_retracted"], counts["excluded_blocking_rule"], counts["excluded_other"]) == (2, 1, 0)
    check_files(api, m2)

    # a third export lists nothing again: each retraction and reversal goes out once
    m3, jsonl3, _ = export(api, django_capture_on_commit_callbacks)
    assert scenario_pick(jsonl3) == expected2
    assert (m3["counts"]["retractions"], m3["counts"]["reversals"], m3["previous_export"]) == (0, 0, m2["export_id"])
    # the file API: trainer and admin only, unknown names 404
    login_as(api, verifiers[1])
    assert_api_error(api.get(f"/api/v1/exports/{m3['export_id']}/files/samples.jsonl"), "permission_denied", 403)
    login_as(api, trainer)
    assert_api_error(api.get(f"/api/v1/exports/{m3['export_id']}/files/secrets.txt"), "not_found", 404)
