"""MH-5 release stamp on the full shipped probe set (the tests use a 24-probe subset):

    HF_HUB_OFFLINE=1 python -m bench.releases        # prints JSON

Every layer's mean-pooled hidden states of all-MiniLM-L6-v2 over the human sanity core and the shipped
generated probes: seconds and probes/s on this machine's device, the distance of a second stamp of the
same weights (must be 0), and the distance after Gaussian weight noise of a few sizes (a share of each
tensor's std). No database is needed (the nightly rows are not read).
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

SCALES = [float(x) for x in os.environ.get("RELEASE_BENCH_SCALES", "0.01,0.05,0.2").split(",")]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    import torch
    from django.conf import settings

    from modelhooks.hooks.canary import MiniLMCanaryTarget
    from modelhooks.probes import ProbeSet, generated_probes, sanity_core
    from modelhooks.services.releases import hamming, release_stamp

    probes = ProbeSet(
        human=tuple(sanity_core()),
        generated=tuple(generated_probes(start=0, count=settings.MODELHOOKS["PROBES_GENERATED_SHIPPED"])),
    )
    target = MiniLMCanaryTarget()
    target.layer_states(probes.texts[:8])  # load the model before timing
    started = time.perf_counter()
    states = target.layer_states(probes.texts)
    seconds = time.perf_counter() - started
    stamp, _ = release_stamp(states=states)
    again, _ = release_stamp(states=target.layer_states(probes.texts))
    out = {
        "device": target.device,
        "torch_threads": torch.get_num_threads(),
        "probes": len(probes.texts),
        "probe_set_version": probes.version,
        "layers": int(states.shape[1]),
        "stamp_seconds": round(seconds, 2),
        "probes_per_s": round(len(probes.texts) / seconds, 1),
        "same_weights_distance": hamming(stamp, again),
        "perturbed": {},
    }
    base = target._model("")[0].auto_model.state_dict()
    with tempfile.TemporaryDirectory() as tmp:
        for scale in SCALES:
            gen = torch.Generator().manual_seed(2)
            noisy = {
                k: v + scale * v.float().std() * torch.randn(v.shape, generator=gen)
                if v.dtype.is_floating_point and v.numel() > 1
                else v
                for k, v in base.items()
            }
            path = Path(tmp) / f"w{scale}.pt"
            torch.save(noisy, path)
            moved, _ = release_stamp(states=target.layer_states(probes.texts, weights=str(path)))
            out["perturbed"][str(scale)] = hamming(stamp, moved)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
