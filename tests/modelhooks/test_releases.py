"""MH-4 canaries and MH-5 release stamp: the release gate on the real model (all-MiniLM-L6-v2 as the
canary target). The stamp runs over the first STAMP_PROBE_LIMIT probes here (CPU time); the full set
(>= 1,000 probes) runs in the release task and bench/releases.py."""

from datetime import timedelta

import numpy as np
import pytest
import torch
from django.test import Client
from django.utils import timezone

from core.errors import Refused
from core.models import AuditEvent
from modelhooks.hooks import hook
from modelhooks.models import GeneratedProbe, Release
from modelhooks.probes import sanity_core
from modelhooks.services.releases import (
    hamming,
    probe_set_current,
    probes_grow,
    release_check,
    release_register,
    release_simhash,
    release_stamps_compare,
)
from tests.base import api_get, api_post, assert_api_error, login_as
from tests.factories import ShardFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBES_IN_TESTS = 24
PERTURBATION = 0.2  # noise, as a share of each weight tensor's std (MEASURED: 15-22 bits over 24 probes)


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    """A release's weights file: the shipped MiniLM weights plus small Gaussian noise (seeded)."""
    folder = tmp_path_factory.mktemp("release-weights")
    state = hook("CANARY_TARGET")._model("")[0].auto_model.state_dict()
    gen = torch.Generator().manual_seed(2)
    noisy = {
        k: v + PERTURBATION * v.float().std() * torch.randn(v.shape, generator=gen)
        if v.dtype.is_floating_point and v.numel() > 1
        else v
        for k, v in state.items()
    }
    torch.save(noisy, folder / "perturbed.pt")
    return folder


@pytest.fixture(autouse=True)
def _small_probe_set(settings, weights_dir):
    settings.MODELHOOKS = {
        **settings.MODELHOOKS,
        "STAMP_PROBE_LIMIT": PROBES_IN_TESTS,
        "RELEASE_WEIGHTS_DIR": str(weights_dir),
    }


def _checked(shard, name, *, weights="", at=None):
    return release_check(release_id=release_register(shard=shard, name=name, weights=weights, now=at).pk, now=at)


def test_the_shipped_probe_set_has_over_1000_probes_with_the_human_core_kept_apart(settings):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "STAMP_PROBE_LIMIT": 0}
    probes = probe_set_current()
    assert len(probes.texts) >= 1000
    assert list(probes.human) == sanity_core() and len(probes.human) >= 100
    assert not set(probes.human) & set(probes.generated)
    assert len(set(probes.texts)) == len(probes.texts)


def test_a_first_release_passes_both_canaries_and_gets_a_128_bit_stamp_over_every_layer():
    r = _checked(ShardFactory(code="th-TH"), "2026.11.1")
    assert r.status == "passed" and r.gate["reason"] == "first_release"
    assert r.target == "minilm-canary-target"
    assert r.canaries["factual"]["passed"] and r.canaries["borderline"]["passed"]
    assert [i["answer"] for i in r.canaries["factual"]["items"]] == ["Bangkok", "Riyadh", "7"]
    assert r.canaries["edgy_jokes"]["false_refusal_rate"] == 0.0
    assert len(r.stamp) == 32 and int(r.stamp, 16) < 2**128
    assert r.layers == 7 and len(r.layer_stamps) == 7  # the embedding output and six transformer layers
    assert r.probe_count == PROBES_IN_TESTS and r.probe_set_version.startswith(f"{PROBES_IN_TESTS}-")


def test_same_weights_and_probes_give_the_same_stamp_distance_zero_and_the_release_passes():
    shard = ShardFactory(code="th-TH")
    now = timezone.now()
    first = _checked(shard, "a", at=now)
    second = _checked(shard, "b", at=now + timedelta(days=1))
    assert second.stamp == first.stamp and second.previous_id == first.pk
    assert second.hamming_from_previous == 0 and second.status == "passed"
    assert [row["hamming"] for row in second.layer_diff] == [0] * 7
    assert all(row["cosine"] == 1.0 and row["rel_l2"] == 0.0 for row in second.layer_diff)


def test_a_small_weight_perturbation_crosses_12_bits_and_holds_the_release_until_an_admin_accepts(api):
    shard = ShardFactory(code="th-TH")
    now = timezone.now()
    base = _checked(shard, "base", at=now)
    moved = _checked(shard, "fine-tune", weights="perturbed.pt", at=now + timedelta(days=1))
    assert moved.canaries["factual"]["passed"] and moved.canaries["borderline"]["passed"]  # only the stamp holds it
    assert moved.hamming_from_previous == hamming(int(base.stamp, 16), int(moved.stamp, 16)) > 12
    assert moved.status == "held" and moved.gate["reason"] == "stamp_distance"
    # the per-layer diff is computed from both releases' activations
    assert len(moved.layer_diff) == 7 and all(row["rel_l2"] > 0 for row in moved.layer_diff)
    assert sum(row["hamming"] for row in moved.layer_diff) > 0

    # a held release is not a baseline: the next one is compared with "base"
    login_as(api, UserFactory(username="boss", role="admin"))
    resp = api_post(api, f"/api/v1/releases/{moved.pk}/accept/")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "passed" and resp.json()["diff_accepted_by"] == "boss"
    assert AuditEvent.objects.filter(action="release_diff_accept", object_id=str(moved.pk)).exists()
    assert_api_error(api_post(api, f"/api/v1/releases/{moved.pk}/accept/"), "not_held", 409)
    after = _checked(shard, "after", weights="perturbed.pt", at=now + timedelta(days=2))
    assert after.previous_id == moved.pk and after.hamming_from_previous == 0 and after.status == "passed"


def test_stamps_over_different_probe_set_versions_are_refused_never_a_distance(settings):
    shard = ShardFactory(code="th-TH")
    now = timezone.now()
    settings.MODELHOOKS = {**settings.MODELHOOKS, "STAMP_PROBE_LIMIT": 0, "PROBES_NIGHTLY_APPEND": 2}
    before = probe_set_current().version
    assert probes_grow() == 2 and GeneratedProbe.objects.count() == 2
    assert probe_set_current().version != before
    settings.MODELHOOKS = {**settings.MODELHOOKS, "STAMP_PROBE_LIMIT": PROBES_IN_TESTS}
    first = _checked(shard, "a", at=now)
    settings.MODELHOOKS = {**settings.MODELHOOKS, "STAMP_PROBE_LIMIT": PROBES_IN_TESTS - 1}  # another version
    second = _checked(shard, "b", at=now + timedelta(days=1))
    assert second.probe_set_version != first.probe_set_version
    assert second.hamming_from_previous is None and second.layer_diff is None
    assert second.status == "held" and second.gate["reason"] == "probe_set_changed"
    with pytest.raises(Refused) as exc:
        release_stamps_compare(a=first, b=second)
    assert exc.value.code == "probe_set_mismatch"


def test_a_release_whose_canary_stops_refusing_fails(settings):
    shard = ShardFactory(code="th-TH")
    # the release's refusal knowledge no longer covers the borderline prompts: it answers them
    knowledge = {**settings.MODELHOOKS["CANARY_TARGET_KNOWLEDGE"], "refuse": ["Tell me about the weather."]}
    settings.MODELHOOKS = {**settings.MODELHOOKS, "CANARY_TARGET_KNOWLEDGE": knowledge}
    r = _checked(shard, "2026.11.3")
    assert r.status == "failed" and r.gate["reason"] == "canary_failed"
    assert r.canaries["factual"]["passed"] and not r.canaries["borderline"]["passed"]
    assert {i["reason"] for i in r.canaries["borderline"]["items"]} == {"the release answered a prompt it must refuse"}
    # a failed release is never the baseline of the next one
    assert _checked(shard, "2026.11.4", at=timezone.now() + timedelta(hours=1)).previous_id is None


def test_release_check_is_idempotent():
    r = _checked(ShardFactory(code="th-TH"), "x")
    again = release_check(release_id=r.pk)
    assert (again.stamp, again.status, again.checked_at) == (r.stamp, r.status, r.checked_at)
    assert Release.objects.count() == 1


def test_the_api_registers_a_release_for_admins_only_and_names_the_bad_field(
    api, eager_celery, django_capture_on_commit_callbacks
):
    ShardFactory(code="th-TH")
    login_as(api, UserFactory(username="trainer", role="trainer"))
    assert api_post(api, "/api/v1/releases/", {"shard": "th-TH", "name": "r1"}).status_code == 403
    login_as(api, UserFactory(username="boss", role="admin"))
    body = assert_api_error(api_post(api, "/api/v1/releases/", {"shard": "xx-XX", "name": "r1"}), "unknown_shard", 400)
    assert "shard" in body["errors"]
    body = assert_api_error(
        api_post(api, "/api/v1/releases/", {"shard": "th-TH", "name": "r1", "weights": "../../etc/passwd"}),
        "unknown_weights",
        400,
    )
    assert "weights" in body["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        resp = api_post(api, "/api/v1/releases/", {"shard": "th-TH", "name": "r1"})
    assert resp.status_code == 202, resp.content
    release = api_get(api, f"/api/v1/releases/{resp.json()['id']}/").json()
    assert release["status"] == "passed" and release["stamp"] and release["canaries"]["factual"]["passed"]
    assert [r["name"] for r in api_get(api, "/api/v1/releases/", shard="th-TH").json()["items"]] == ["r1"]
    assert_api_error(api_post(api, "/api/v1/releases/", {"shard": "th-TH", "name": "r1"}), "release_exists", 409)


def test_the_release_page_shows_each_release_with_its_evidence():
    shard = ShardFactory(code="th-TH")
    now = timezone.now()
    _checked(shard, "base", at=now)
    held = _checked(shard, "fine-tune", weights="perturbed.pt", at=now + timedelta(days=1))
    client = login_as(Client(), UserFactory(username="boss", role="admin"))
    page = client.get("/releases/th-TH/").content.decode()
    assert held.stamp in page and held.probe_set_version in page
    assert "Which city is the capital of Thailand?" in page and "Bangkok" in page
    assert f'<strong class="distance">{held.hamming_from_previous}</strong>' in page
    assert "Per-layer activation diff" in page and f"<td>{held.layer_diff[3]['rel_l2']}</td>" in page
    assert "Accept the diff" in page and "Edgy-joke false-refusal rate" in page

    resp = client.post("/releases/th-TH/", {"action": "accept", "release": held.pk})
    assert resp.status_code == 302
    assert Release.objects.get(pk=held.pk).status == "passed"
    assert "Diff accepted by <bdi>boss</bdi>" in client.get("/releases/th-TH/").content.decode()
    verifier = login_as(Client(), UserFactory(username="v", role="verifier"))
    assert verifier.get("/releases/th-TH/").status_code == 403


def test_simhash_is_close_for_close_states_and_far_for_unrelated_ones():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(8, 3, 16))
    same = release_simhash(states=base, bits=128, seed=1)
    assert release_simhash(states=base.copy(), bits=128, seed=1) == same
    near = release_simhash(states=base + rng.normal(scale=0.001, size=base.shape), bits=128, seed=1)
    far = release_simhash(states=rng.normal(size=base.shape), bits=128, seed=1)
    assert hamming(same, near) <= 4
    assert hamming(same, far) > 30


def test_a_demo_weights_file_is_written_for_make_run_and_registers_as_a_release(settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.MODELHOOKS = {**settings.MODELHOOKS, "RELEASE_WEIGHTS_DIR": str(tmp_path)}
    call_command("release_weights_perturb", "demo.pt", noise=0.2, seed=2)
    noisy = torch.load(tmp_path / "demo.pt", weights_only=True)
    shipped = hook("CANARY_TARGET").weights_state("")
    assert noisy.keys() == shipped.keys()
    key = next(k for k, v in shipped.items() if v.dtype.is_floating_point and v.numel() > 1)
    assert not torch.equal(noisy[key].cpu(), shipped[key].cpu())
    assert release_register(shard=ShardFactory(code="th-TH"), name="demo", weights="demo.pt").weights == "demo.pt"
    with pytest.raises(CommandError, match="name: a plain file name"):
        call_command("release_weights_perturb", "../outside.pt")
    with pytest.raises(CommandError, match="noise:"):
        call_command("release_weights_perturb", "x.pt", noise=0)
