"""RK-3 / RK-6: the embedder and sentiment hooks are named in settings, resolved lazily, recorded on the
version; a missing hook falls back to the clearly named stand-ins."""
import pytest

from risk_db import hooks
from risk_db.services import rule_soften, rule_state_transition, rules_matching_text
from risk_db.services.rules import rule_embedding
from tests.risk_db import fake_hooks
from tests.risk_db.helpers import build_world, shadow_rule, state_of

pytestmark = pytest.mark.django_db


def test_modelhooks_shaped_embedder_is_used_and_named(settings):
    settings.RISK_DB = {**settings.RISK_DB, "EMBEDDER_HOOK": "tests.risk_db.fake_hooks.embed"}
    vector, name = rule_embedding(term="crowndog", context="meme")
    assert name == "fake-model" and vector == [0.6, 0.8]  # unit length
    assert fake_hooks.calls[-1] == ("embed", ["crowndog\nmeme"])


def test_missing_embedder_hook_falls_back_to_the_char_ngram_stand_in(settings):
    settings.RISK_DB = {**settings.RISK_DB, "EMBEDDER_HOOK": "no.such.module.embed"}
    vector, name = rule_embedding(term="ล้มเจ้า", context="")
    assert name == hooks.CharNgramEmbedderStandIn.name == "char-ngram" and len(vector) == 384
    assert abs(sum(x * x for x in vector) - 1) < 1e-3
    assert rule_embedding(term="ล้มเจ้า", context="")[0] == vector  # deterministic


def test_sentiment_hook_decides_a_softened_rule(settings):
    settings.RISK_DB = {**settings.RISK_DB, "SENTIMENT_HOOK": "tests.risk_db.fake_hooks.sentiment"}
    world = build_world()
    rule = shadow_rule(world, pattern="landgrab")
    for to, event in (("blocking", "graduated"), ("reverted", "auto_reverted")):
        rule_state_transition(state=state_of(rule, world.th), to_state=to, event=event, made_by="test")
    rule_soften(rule=rule, actor=world.senior, keyword="landgrab")
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="graduated", made_by="test")
    assert rules_matching_text(text="praise the landgrab", locale="th-TH") == [rule]
    assert rules_matching_text(text="the landgrab hurts farmers", locale="th-TH") == []
    assert ("sentiment", "the landgrab hurts farmers") in fake_hooks.calls
