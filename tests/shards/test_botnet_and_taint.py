"""IN-10 botnet defence, IN-11 taint and the export's view, IN-12 batches, SH-2."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shards.models import DormantClique, Locale, ReplyEvent, Shard, SuspendedComponent
from shards.services.botnet import reply_graph_rebuild
from shards.services.graphs import graphs_ensure
from tests.base import INTAKE_T0 as T0
from tests.base import hours, item, run
from tests.factories import UserFactory
from training.models import TaintList, TrainingSample
from training.selectors import samples_exportable, taint_list_current
from training.services.batches import training_batch_cut
from training.services.taint import clique_decide, spectral_sweep
from verifier.services.rare import locales_classify_rare

pytestmark = pytest.mark.django_db


def ring(names, at=T0):
    """Each neighbour pair exchanges two replies: one connected component."""
    events = []
    for a, b in zip(names, names[1:]):
        events += [ReplyEvent(from_user=a, to_user=b, at=at), ReplyEvent(from_user=b, to_user=a, at=at)]
    ReplyEvent.objects.bulk_create(events)


def post_corrections(names, on_tag: int, total: int):
    """`total` corrections by the members, `on_tag` of them on #campaign, the rest on distinct tags."""
    items = [
        item(
            post_id=f"bp{i}",
            submitter_id=names[i % len(names)],
            hashtags=["#campaign"] if i < on_tag else [f"#other{i}"],
        )
        for i in range(total)
    ]
    run(items)


def test_component_of_twenty_users_is_not_suspended(world):
    names = [f"bot{i}" for i in range(20)]
    post_corrections(names, on_tag=20, total=20)
    ring(names)
    reply_graph_rebuild(now=T0 + hours(1))
    assert not SuspendedComponent.objects.exists()


def test_component_of_twenty_one_users_on_one_hashtag_is_suspended(world):
    names = [f"bot{i}" for i in range(21)]
    post_corrections(names, on_tag=21, total=21)
    ring(names)
    reply_graph_rebuild(now=T0 + hours(1))
    component = SuspendedComponent.objects.get()
    assert component.size == 21 and component.hashtag == "campaign"


def test_forty_nine_percent_on_one_hashtag_is_not_suspended(world):
    names = [f"bot{i}" for i in range(21)]
    post_corrections(names, on_tag=49, total=100)
    ring(names)
    reply_graph_rebuild(now=T0 + hours(1))
    assert not SuspendedComponent.objects.exists()


def test_fifty_percent_on_one_hashtag_is_suspended(world):
    names = [f"bot{i}" for i in range(21)]
    post_corrections(names, on_tag=50, total=100)
    ring(names)
    reply_graph_rebuild(now=T0 + hours(1))
    assert SuspendedComponent.objects.get().share == pytest.approx(0.5)


def test_one_reply_or_replies_older_than_seven_days_make_no_edge(world):
    names = [f"bot{i}" for i in range(25)]
    ring(names, at=T0 - timedelta(days=7, seconds=1))
    ReplyEvent.objects.bulk_create([ReplyEvent(from_user=a, to_user=b, at=T0) for a, b in zip(names, names[1:])])
    post_corrections(names, on_tag=25, total=25)
    reply_graph_rebuild(now=T0)
    assert not SuspendedComponent.objects.exists()


def test_coordinated_campaign_is_suspended_and_none_of_its_deltas_is_exported(intake_api, world):
    """Scenario: 30 accounts that reply to each other push one false number on one hashtag."""
    names = [f"camp{i}" for i in range(30)]
    early = [
        item(
            post_id="target",
            submitter_id=n,
            hashtags=["#rally"],
            reply_text="@grok correct 5000 people",
            post_text="About 200 people came",
        )
        for n in names[:5]
    ]
    answer = intake_api.post("/api/v1/corrections/", {"items": early}, format="json").json()["results"]
    assert {r["outcome"] for r in answer} == {"auto_accepted"}  # they slipped through before the graph knew them
    honest = run(
        [item(post_id=f"h{i}", submitter_id=f"h{i}", hashtags=[f"#h{i}"]) for i in range(5)]
        + [item(post_id="honest", submitter_id=f"hh{i}", hashtags=["#town"]) for i in range(5)]
    )
    assert TrainingSample.objects.count() == 2
    replies = [
        {"from_user": a, "to_user": b, "at": (T0 + hours(1)).isoformat()}
        for a, b in zip(names, names[1:])
        for _ in range(2)
    ]
    response = intake_api.post("/api/v1/replies/", {"items": replies}, format="json")
    assert response.status_code == 200 and {r["outcome"] for r in response.json()["results"]} == {"stored"}
    wave = [
        item(
            post_id=f"t{i}",
            submitter_id=n,
            hashtags=["#rally"],
            reply_text="@grok correct 5000 people",
            at=T0 + hours(2),
        )
        for i, n in enumerate(names)
    ]
    results = intake_api.post("/api/v1/corrections/", {"items": wave}, format="json").json()["results"]
    assert {r["outcome"] for r in results} == {"suspended_component"}
    assert SuspendedComponent.objects.get().size == 30
    exported = [s.post_id for shard in Shard.objects.all() for s in samples_exportable(shard=shard)]
    assert exported == ["honest"]
    assert not honest[0].outcome == "suspended_component"


def test_campaign_tipped_over_by_the_current_batch_is_stopped_before_storage(world):
    names = [f"late{i}" for i in range(22)]
    ring(names)
    reply_graph_rebuild(now=T0)  # the graph knows them; they have no corrections yet
    results = run([item(post_id=f"q{i}", submitter_id=n, hashtags=["#flood"]) for i, n in enumerate(names)])
    assert {r.outcome for r in results} == {"suspended_component"}


def test_replies_api_reports_bad_items_by_field(intake_api):
    body = {
        "items": [
            {"from_user": "a", "to_user": "b", "at": T0.isoformat()},
            {"from_user": "a", "at": "yesterday"},
            {"from_user": "a", "to_user": "a", "at": T0.isoformat()},
        ]
    }
    results = intake_api.post("/api/v1/replies/", body, format="json").json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "invalid", "invalid"]
    assert set(results[1]["errors"]) == {"to_user", "at"} and "themselves" in results[2]["errors"]["to_user"][0]


@pytest.mark.parametrize("role", ["verifier", "senior", "trainer"])
def test_only_intake_posts_replies(api, role):
    api.force_authenticate(UserFactory(role=role))
    assert (
        api.post(
            "/api/v1/replies/", {"from_user": "a", "to_user": "b", "at": T0.isoformat()}, format="json"
        ).status_code
        == 403
    )


# ---- IN-11 --------------------------------------------------------------------------------


def test_dormant_clique_marked_as_bots_is_tainted_in_later_exports(world):
    clique = [f"d{i}" for i in range(5)]
    for post in ("d-a", "d-b"):
        run([item(post_id=post, submitter_id=s, at=T0 - timedelta(days=60)) for s in clique])
    run([item(post_id="live", submitter_id=f"l{i}") for i in range(5)])
    assert TrainingSample.objects.count() == 3 and taint_list_current() is None
    [found] = spectral_sweep(now=T0)
    assert sorted(found.members) == clique
    before = [s.post_id for s in samples_exportable(shard=world["en"])]
    senior = UserFactory(role="senior")
    clique_decide(clique=found, bots=True, actor=senior, now=T0)
    current = taint_list_current()
    assert current.version == TaintList.objects.get().version
    assert [s.post_id for s in samples_exportable(shard=world["en"], taint_list=current)] == ["live"]
    assert sorted(before) == ["d-a", "d-b", "live"]
    assert DormantClique.objects.get().status == "bots"


def test_active_clique_is_not_flagged(world):
    clique = [f"d{i}" for i in range(5)]
    for post in ("d-a", "d-b"):
        run([item(post_id=post, submitter_id=s, at=T0 - timedelta(days=1)) for s in clique])
    assert spectral_sweep(now=T0) == []


def test_every_sample_keeps_its_correction_graph_id(world):
    run([item(post_id="g", submitter_id=f"g{i}") for i in range(5)])
    sample = TrainingSample.objects.get()
    assert sample.graph_id == graphs_ensure(backer_sets=[{f"g{i}" for i in range(5)}])[0]
    assert sorted(sample.graph.members.values_list("submitter_id", flat=True)) == [f"g{i}" for i in range(5)]


# ---- IN-12 --------------------------------------------------------------------------------


def test_batches_take_at_most_the_maximum_and_write_the_weight(world, settings):
    settings.INTAKE = {**settings.INTAKE, "BATCH_MAX_SAMPLES": 2}
    for p in range(3):
        run([item(post_id=f"b{p}", submitter_id=f"b{p}-{i}", hashtags=[f"#b{p}"]) for i in range(5)])
    first = training_batch_cut(now=T0)
    assert first.size == 2 and first.weight == Decimal("0.3")
    assert sorted(TrainingSample.objects.filter(batch=first).values_list("weight", flat=True)) == [Decimal("0.3")] * 2
    assert training_batch_cut(now=T0).size == 1
    assert training_batch_cut(now=T0) is None
    assert samples_exportable(shard=world["en"], batched_only=True).count() == 3


# ---- SH-2 ---------------------------------------------------------------------------------


def test_locales_under_fifty_cases_a_quarter_go_to_the_rare_pool(world):
    rare = Shard.objects.create(code="rare", kind=Shard.Kind.RARE)
    run([item(post_id=f"r{i}", submitter_id=f"r{i}", hashtags=[f"#r{i}"]) for i in range(50)])
    changed = locales_classify_rare(now=T0 + hours(1))
    assert changed.get("th-TH") is True and "en-US" not in changed
    assert Locale.objects.get(code="th-TH").is_rare
    [routed] = run([item(post_id="thai", submitter_id="t", declared_locale="th-TH", billing_country="TH")])
    assert routed.shard == rare


def test_spectral_bisection_splits_a_large_component_and_keeps_its_cliques(monkeypatch):
    import networkx as nx

    from training.services import taint

    monkeypatch.setattr(taint, "SPECTRAL_PART_MAX", 8)
    graph = nx.complete_graph([f"a{i}" for i in range(6)])
    graph.update(nx.complete_graph([f"b{i}" for i in range(6)]))
    graph.add_edge("a0", "b0")  # one bridge: the Fiedler vector cuts here
    parts = sorted(sorted(p) for p in taint._spectral_parts(graph))
    assert parts == [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
