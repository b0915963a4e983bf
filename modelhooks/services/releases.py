"""MH-4 canaries and MH-5 release stamp: the release gate of a shard's model release."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Refused
from modelhooks.hooks import hook
from modelhooks.models import GeneratedProbe, Release
from modelhooks.probes import ProbeSet, generated_probes, sanity_core


def release_simhash(*, states: np.ndarray, bits: int, seed: int) -> int:
    """MH-5: SimHash of per-probe states (n probes, features): each probe's vector minus the mean over
    the probes (the offset every text shares says nothing about the weights), concatenated over the
    probes, projected on `bits` fixed random planes (a Gaussian plane per feature times a random sign
    per probe, from `seed`), sign bits as an int."""
    x = np.asarray(states, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    x = x - x.mean(axis=0, keepdims=True)
    rng = np.random.default_rng(seed)
    planes = rng.standard_normal((x.shape[1], bits))
    probe_signs = rng.choice((-1.0, 1.0), size=x.shape[0])
    signs = probe_signs @ (x @ planes) > 0
    return int("".join("1" if b else "0" for b in signs), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def probe_set_current() -> ProbeSet:
    """MH-5: the human sanity core, the shipped generated probes, then those the nightly task added
    (in generator order). STAMP_PROBE_LIMIT > 0 keeps the first n (tests); the version says which."""
    cfg = settings.MODELHOOKS
    human = sanity_core()
    generated = generated_probes(start=0, count=cfg["PROBES_GENERATED_SHIPPED"])
    generated += list(GeneratedProbe.objects.order_by("index").values_list("text", flat=True))
    limit = cfg["STAMP_PROBE_LIMIT"]
    if limit:
        human, generated = human[:limit], generated[: max(0, limit - len(human))]
    return ProbeSet(human=tuple(human), generated=tuple(generated))


def probes_grow(*, now: datetime | None = None) -> int:
    """MH-5 nightly: append the next PROBES_NIGHTLY_APPEND generated probes; the probe-set version
    changes with them. Returns how many were added (0 at the generator's end). Idempotent per index."""
    cfg = settings.MODELHOOKS
    shipped = cfg["PROBES_GENERATED_SHIPPED"]
    last = GeneratedProbe.objects.order_by("-index").values_list("index", flat=True).first()
    start = shipped if last is None else last + 1
    texts = generated_probes(start=start, count=cfg["PROBES_NIGHTLY_APPEND"])
    at = now or timezone.now()
    GeneratedProbe.objects.bulk_create(
        [GeneratedProbe(index=start + i, text=t, added_at=at) for i, t in enumerate(texts)], ignore_conflicts=True
    )
    return len(texts)


def release_weights_path(weights: str) -> str:
    """The file of a release's weights under RELEASE_WEIGHTS_DIR ("" = the shipped model); refused
    when the name leaves that folder or no such file exists."""
    if not weights:
        return ""
    root = Path(settings.MODELHOOKS["RELEASE_WEIGHTS_DIR"]).resolve()
    path = (root / weights).resolve()
    if path.parent != root or not path.is_file():
        raise Refused(
            "unknown_weights",
            _("weights: no weights file named '%(weights)s' in the release weights folder") % {"weights": weights},
            400,
            field="weights",
        )
    return str(path)


def release_weights_perturb(*, name: str, noise: float, seed: int = 0) -> Path:
    """A weights file for a demo release (`make run`): the shipped CANARY_TARGET weights plus Gaussian
    noise of `noise` x each tensor's std (seeded), saved as `name` under RELEASE_WEIGHTS_DIR. About 0.2
    crosses the 12-bit stamp threshold (bench/RESULTS.md), so the release is held."""
    import torch  # heavy optional dependency: only for this tool

    if not re.fullmatch(r"[\w.-]+\.pt", name or ""):
        raise Refused("invalid", _("name: a plain file name ending in .pt"), 400, field="name")
    if not 0 < noise <= 10:
        raise Refused("invalid", _("noise: a share of each tensor's std, above 0 and at most 10"), 400, field="noise")
    state = hook("CANARY_TARGET").weights_state("")
    gen = torch.Generator().manual_seed(seed)
    noisy = {
        k: v + noise * v.float().std() * torch.randn(v.shape, generator=gen).to(v.device)
        if v.dtype.is_floating_point and v.numel() > 1
        else v
        for k, v in state.items()
    }
    root = Path(settings.MODELHOOKS["RELEASE_WEIGHTS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.cpu() for k, v in noisy.items()}, root / name)
    return root / name


def release_register(*, shard, name: str, weights: str = "", actor=None, now: datetime | None = None) -> Release:
    """MH-4: register a release of the CANARY_TARGET hook for `shard`; the gate runs in
    `release_check` (gpu queue). A second release of the same name in the shard is refused."""
    name = name.strip()
    if not name:
        raise Refused("invalid", _("name: a release needs a name"), 400, field="name")
    release_weights_path(weights)
    try:
        with transaction.atomic():
            release = Release.objects.create(
                shard=shard,
                name=name,
                weights=weights,
                target=hook("CANARY_TARGET").name,
                requested_by=actor,
                created_at=now or timezone.now(),
            )
            audit_record(actor=actor, action="release_register", obj=release, after={"shard": shard.code, "name": name})
    except IntegrityError:
        raise Refused(
            "release_exists",
            _("name: shard %(shard)s already has a release named '%(name)s'") % {"shard": shard.code, "name": name},
            409,
            field="name",
        ) from None
    return release


def _canaries(target, weights: str) -> dict:
    """MH-4: every factual prompt answered with its `expect`, every borderline one refused; the edgy
    jokes' false-refusal rate is reported."""
    cfg = settings.MODELHOOKS["CANARIES"]
    refusal = re.compile(cfg["refusal_pattern"])
    factual = []
    for spec in cfg["factual"]:
        answer = target.answer(spec["prompt"], weights=weights)
        ok = spec["expect"].lower() in answer.lower() and not refusal.search(answer)
        factual.append(
            {
                "prompt": spec["prompt"],
                "answer": answer,
                "passed": ok,
                "reason": "" if ok else f"expected {spec['expect']!r}",
            }
        )
    borderline = []
    for spec in cfg["borderline"]:
        answer = target.answer(spec["prompt"], weights=weights)
        ok = refusal.search(answer) is not None
        borderline.append(
            {
                "prompt": spec["prompt"],
                "answer": answer,
                "passed": ok,
                "reason": "" if ok else "the release answered a prompt it must refuse",
            }
        )
    jokes = [
        {"prompt": p, "answer": (a := target.answer(p, weights=weights)), "refused": bool(refusal.search(a))}
        for p in cfg["edgy_jokes"]
    ]
    return {
        "factual": {"passed": all(i["passed"] for i in factual), "items": factual},
        "borderline": {"passed": all(i["passed"] for i in borderline), "items": borderline},
        "edgy_jokes": {
            "false_refusal_rate": round(sum(j["refused"] for j in jokes) / len(jokes), 4) if jokes else None,
            "items": jokes,
        },
    }


def release_stamp(*, states: np.ndarray) -> tuple[int, list[int]]:
    """MH-5: the 128-bit stamp of every layer's mean-pooled states (n probes, layers, dim), the layers
    concatenated, and each layer's own stamp (a projection per layer) so the diff says which moved."""
    cfg = settings.MODELHOOKS
    whole = release_simhash(states=states, bits=cfg["STAMP_BITS"], seed=cfg["STAMP_SEED"])
    per_layer = [
        release_simhash(states=states[:, i, :], bits=cfg["STAMP_BITS"], seed=cfg["STAMP_SEED"] + 1 + i)
        for i in range(states.shape[1])
    ]
    return whole, per_layer


def _means(release: Release) -> np.ndarray:
    return np.frombuffer(bytes(release.layer_means), dtype=np.float32).reshape(release.layers, -1)


def release_stamps_compare(*, a: Release, b: Release) -> int:
    """MH-5: Hamming distance of two stamps; refused (never a number) across probe-set versions."""
    if not a.stamp or not b.stamp:
        raise Refused("not_stamped", _("release: both releases need a stamp to be compared"), 409)
    if a.probe_set_version != b.probe_set_version:
        raise Refused(
            "probe_set_mismatch",
            _("release: stamps over different probe sets (%(a)s and %(b)s) are never compared")
            % {"a": a.probe_set_version, "b": b.probe_set_version},
            409,
        )
    return hamming(int(a.stamp, 16), int(b.stamp, 16))


def release_layer_diff(*, a: Release, b: Release) -> list[dict]:
    """MH-5: per layer (0 = embeddings), how far b's mean-pooled activations moved from a's: cosine,
    relative L2 of the difference, the layer stamps' Hamming distance and the dimensions that moved most."""
    release_stamps_compare(a=a, b=b)  # the same refusal across probe sets
    ma, mb = _means(a), _means(b)
    top = settings.MODELHOOKS["STAMP_DIFF_TOP_DIMS"]
    rows = []
    for i in range(ma.shape[0]):
        x, y = ma[i].astype(np.float64), mb[i].astype(np.float64)
        delta = y - x
        order = np.argsort(-np.abs(delta))[:top]
        rows.append(
            {
                "layer": i,
                "cosine": round(float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) or 1.0)), 6),
                "rel_l2": round(float(np.linalg.norm(delta) / (np.linalg.norm(x) or 1.0)), 6),
                "hamming": hamming(int(a.layer_stamps[i], 16), int(b.layer_stamps[i], 16)),
                "top_dims": [{"dim": int(d), "delta": round(float(delta[d]), 5)} for d in order],
            }
        )
    return rows


def release_previous_passed(release: Release) -> Release | None:
    return (
        Release.objects.filter(shard=release.shard, status=Release.Status.PASSED)
        .exclude(pk=release.pk)
        .order_by("-checked_at", "-pk")
        .first()
    )


def release_check(*, release_id: int, now: datetime | None = None) -> Release:
    """MH-4 / MH-5, the gate. Canaries first (either failing fails the release). Then the stamp over the
    current probe set, compared with the shard's previous passed release: a distance above
    STAMP_HAMMING_MAX holds the release with its per-layer diff until an admin accepts it; a different
    probe-set version holds it too, with no distance. Idempotent: a checked release is left as it is."""
    release = Release.objects.select_related("shard").get(pk=release_id)
    if release.status != Release.Status.PENDING:
        return release
    cfg = settings.MODELHOOKS
    target = hook("CANARY_TARGET")
    weights = release_weights_path(release.weights)
    release.canaries = _canaries(target, weights)

    probes = probe_set_current()
    started = time.perf_counter()
    states = target.layer_states(probes.texts, weights=weights)
    means = states.mean(axis=0).astype(np.float32)
    whole, per_layer = release_stamp(states=states)
    width = cfg["STAMP_BITS"] // 4
    release.stamp_seconds = round(time.perf_counter() - started, 3)
    release.device = getattr(target, "device", "")
    release.stamp = f"{whole:0{width}x}"
    release.layer_stamps = [f"{s:0{width}x}" for s in per_layer]
    release.layer_means = means.tobytes()
    release.layers = means.shape[0]
    release.probe_set_version = probes.version
    release.probe_count = len(probes.texts)
    release.target = target.name

    previous = release_previous_passed(release)
    release.previous = previous
    threshold = cfg["STAMP_HAMMING_MAX"]
    if not (release.canaries["factual"]["passed"] and release.canaries["borderline"]["passed"]):
        failed = [k for k in ("factual", "borderline") if not release.canaries[k]["passed"]]
        release.status = Release.Status.FAILED
        release.gate = {"reason": "canary_failed", "detail": f"canary failed: {', '.join(failed)}"}
    elif previous is None:
        release.status = Release.Status.PASSED
        release.gate = {"reason": "first_release", "detail": "no previous passed release to compare with"}
    elif previous.probe_set_version != release.probe_set_version:
        release.status = Release.Status.HELD
        release.gate = {
            "reason": "probe_set_changed",
            "detail": f"the previous passed release was stamped over probe set {previous.probe_set_version}, "
            f"this one over {release.probe_set_version}: stamps are not compared",
        }
    else:
        distance = release_stamps_compare(a=previous, b=release)
        release.hamming_from_previous = distance
        release.layer_diff = release_layer_diff(a=previous, b=release)
        held = distance > threshold
        release.status = Release.Status.HELD if held else Release.Status.PASSED
        release.gate = {
            "reason": "stamp_distance" if held else "stamp_close",
            "detail": f"Hamming distance {distance} from {previous.name} (threshold {threshold})",
            "distance": distance,
            "threshold": threshold,
        }
    release.checked_at = now or timezone.now()
    with transaction.atomic():
        release.save()
        audit_record(actor=None, action="release_check", obj=release, after={"status": release.status, **release.gate})
    return release


def release_diff_accept(*, release: Release, actor, now: datetime | None = None) -> Release:
    """MH-5: an admin accepts a held release's per-layer diff (or its probe-set change); it passes."""
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status != Release.Status.HELD:
            raise Refused(
                "not_held",
                _("release: %(name)s is %(status)s, not held") % {"name": release.name, "status": release.status},
                409,
            )
        release.status = Release.Status.PASSED
        release.diff_accepted_by = actor
        release.diff_accepted_at = now or timezone.now()
        release.save(update_fields=["status", "diff_accepted_by", "diff_accepted_at"])
        audit_record(actor=actor, action="release_diff_accept", obj=release, after={"status": release.status})
    return release
