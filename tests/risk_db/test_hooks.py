"""RK-3 / RK-6: the embedder and sentiment hooks come from the model-hook registry, are recorded on the
version; a path that does not import falls back to the kind's default, named as such."""

import pytest
from django.conf import settings as django_settings

from modelhooks import hooks
from risk_db.services import rule_soften, rule_state_transition, rules_matching_text
from risk_db.services.rules import rule_embedding
from tests.base import build_world, hooks_install, shadow_rule, state_of
from tests.risk_db import fake_hooks

pytestmark = pytest.mark.django_db


def test_modelhooks_shaped_embedder_is_used_and_named(settings):
    hooks_install(settings, EMBEDDER="tests.risk_db.fake_hooks.FakeEmbedder")
    vector, name = rule_embedding(term="crowndog", context="meme")
    assert name == "fake-model" and vector == [0.6, 0.8]  # unit length
    assert fake_hooks.calls[-1] == ("embed", ["crowndog\nmeme"])


def test_missing_embedder_hook_falls_back_to_the_char_ngram_embedder(settings):
    hooks_install(settings, CHAR_EMBEDDER="no.such.module.Embedder")
    vector, name = rule_embedding(term="ล้มเจ้า", context="")
    assert name == hooks.hook("CHAR_EMBEDDER").name == "char-ngram"
    assert len(vector) == hooks.hook("CHAR_EMBEDDER").dim == django_settings.MODELHOOKS["CHAR_NGRAM_DIM"]
    assert abs(sum(x * x for x in vector) - 1) < 1e-3
    assert rule_embedding(term="ล้มเจ้า", context="")[0] == vector  # deterministic


def test_sentiment_hook_decides_a_softened_rule(settings):
    hooks_install(settings, SENTIMENT="tests.risk_db.fake_hooks.FakeSentiment")
    world = build_world()
    rule = shadow_rule(world, pattern="landgrab")
    for to, event in (("blocking", "graduated"), ("reverted", "auto_reverted")):
        rule_state_transition(state=state_of(rule, world.th), to_state=to, event=event, made_by="test")
    rule_soften(rule=rule, actor=world.senior, keyword="landgrab")
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="graduated", made_by="test")
    assert rules_matching_text(text="praise the landgrab", locale="th-TH") == [rule]
    assert rules_matching_text(text="the landgrab hurts farmers", locale="th-TH") == []
    assert ("sentiment", "the landgrab hurts farmers") in fake_hooks.calls
