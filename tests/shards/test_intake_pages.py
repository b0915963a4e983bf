"""Operator pages: a correction's outcome and the rule that decided it; the alerts page."""

import pytest

from core.models import AuditEvent
from shards.models import BlockListEntry, Correction, SubmitterLedger
from tests.base import item, run
from tests.factories import UserFactory
from training.models import TrainingSample

pytestmark = pytest.mark.django_db


@pytest.fixture
def senior_client(client):
    client.force_login(UserFactory(role="senior"))
    return client


def test_senior_sees_why_a_correction_was_blocked(world, senior_client):
    BlockListEntry.objects.create(locale_code="en-US", term="dimwits")
    [blocked] = run([item(reply_text="@grok correct dimwits")])
    page = senior_client.get(f"/ops/intake/corrections/{blocked.correction.public_id}/").content.decode()
    assert "blocked_list" in page and "<code>block_list</code>" in page and "IN-4" in page and "dimwits" in page
    listing = senior_client.get("/ops/intake/", {"q": "p1"}).content.decode()
    assert str(blocked.correction.public_id) in listing and "Overlaps the block-list term" in listing


def test_lookup_by_outcome_filters(world, senior_client):
    run([item(), item(post_id="x", submitter_id="x", ip="bad")])
    page = senior_client.get("/ops/intake/", {"outcome": "invalid"}).content.decode()
    assert "is not an IPv4 or IPv6 address" in page and "<td>p1</td>" not in page


@pytest.mark.parametrize("role", ["verifier", "intake", "trainer"])
def test_only_seniors_and_admins_see_intake_pages(client, role, world):
    client.force_login(UserFactory(role=role))
    assert client.get("/ops/intake/").status_code == 403
    assert client.get("/ops/intake/alerts/").status_code == 403


def test_overturning_a_crowd_sample_withholds_it_and_burns_the_cluster(world, senior_client):
    results = run([item(submitter_id=f"u{i}") for i in range(5)])
    correction = results[0].correction
    response = senior_client.post(f"/ops/intake/corrections/{correction.public_id}/overturn/")
    assert response.status_code == 302 and "lost+20" in response.url.replace("%20", "+").replace(" ", "+")
    assert TrainingSample.objects.get().withheld_reason == "overturned by a senior"
    assert SubmitterLedger.objects.get(submitter_id="u0").flag_weight == pytest.approx(0.8)
    assert AuditEvent.objects.filter(action__in=["sample_overturn", "cluster_burn"]).count() == 2


def test_alerts_page_lists_geo_spoof_frozen_topics_and_components(world, senior_client, settings):
    settings.INTAKE = {**settings.INTAKE, "TOPIC_MIN_MENTIONS": 20, "GEO_SPOOF_MIN_TRAFFIC": 10}
    run([item(post_id=f"w{i}", submitter_id=f"w{i}", hashtags=["#wave"], billing_country="TH") for i in range(30)])
    page = senior_client.get("/ops/intake/alerts/").content.decode()
    assert "x-shard anomaly in <bdi>en-US</bdi>" in page and "#wave" in page and "No suspended components." in page
    assert Correction.objects.filter(outcome="frozen_topic").count() == 30


def test_risk_tagged_corrections_stay_with_native_seniors(world, client):
    from shards.services.pools import membership_set

    [thai] = run(
        [
            item(
                post_id="royal",
                declared_locale="th-TH",
                billing_country="TH",
                post_text="ภาพ ในหลวง เสด็จ",
                reply_text="@grok correct 200 คน",
            )
        ]
    )
    assert thai.correction.risk_tags
    outsider, native = UserFactory(role="senior"), UserFactory(role="senior")
    membership_set(user=native, shard=world["th"], native=True)
    client.force_login(outsider)
    assert client.get(f"/ops/intake/corrections/{thai.correction.public_id}/").status_code == 404
    assert "royal" not in client.get("/ops/intake/").content.decode()
    client.force_login(native)
    assert client.get(f"/ops/intake/corrections/{thai.correction.public_id}/").status_code == 200
