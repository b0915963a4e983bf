"""MH-3, a trainer's whole path over the API: log in through the token endpoint, cut a batch of a shard
(409 `nothing_waiting` is fine), request an export of it, poll it until done, fetch the manifest and every
file it lists, and check each file's sha256 three ways (computed from the bytes, the `X-Content-SHA256`
header, the manifest) and its size and line count. Standard library only, so a trainer can run it as is.

    python scripts/trainer_fetch.py --base http://127.0.0.1:8000 --shard en-US --out /tmp/export
    (after `make run`; the demo trainer is trainer / demo)

Exits 0 and prints a JSON summary when every check passes, else names the first failure and exits 1.
`tests/modelhooks/test_trainer_fetch.py` runs `fetch` against the in-process API, so this cannot silently break."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

# request(method, path, json_body_or_None, headers) -> (status, headers as a lower-cased dict, body bytes)
Request = Callable[[str, str, dict | None, dict], tuple[int, dict, bytes]]


class FetchFailed(RuntimeError):
    pass


def http_request(base: str) -> Request:
    def request(method: str, path: str, body: dict | None, headers: dict) -> tuple[int, dict, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)
        for k, v in {**headers, **({"Content-Type": "application/json"} if data is not None else {})}.items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()

    return request


def _json(status: int, body: bytes, want: tuple[int, ...], what: str) -> dict:
    if status not in want:
        raise FetchFailed(f"{what}: HTTP {status}: {body[:500]!r}")
    return json.loads(body)


def fetch(
    request: Request, *, username: str, password: str, shard: str, out: Path, poll_s: float = 0.5, wait_s: float = 120
) -> dict:
    """The trainer's steps; returns a summary. Raises FetchFailed naming the first check that fails."""
    status, _, body = request("POST", "/api/v1/auth/token/", {"username": username, "password": password}, {})
    auth = {"Authorization": "Token " + _json(status, body, (200,), "token")["token"]}
    status, _, body = request("POST", "/api/v1/batches/", {"shard": shard}, auth)
    cut = _json(status, body, (201, 409), "cut a batch")
    status, _, body = request("POST", "/api/v1/exports/", {"shard": shard}, auth)
    export_id = _json(status, body, (202,), "request the export")["id"]
    deadline = time.monotonic() + wait_s
    while True:
        status, _, body = request("GET", f"/api/v1/exports/{export_id}/", None, auth)
        export = _json(status, body, (200,), "poll the export")
        if export["status"] == "done":
            break
        if export["status"] == "failed" or time.monotonic() > deadline:
            raise FetchFailed(f"export {export_id} is {export['status']}: {export.get('error')}")
        time.sleep(poll_s)
    out.mkdir(parents=True, exist_ok=True)

    def get(name: str) -> tuple[bytes, str]:
        status, headers, data = request("GET", f"/api/v1/exports/{export_id}/files/{name}", None, auth)
        if status != 200:
            raise FetchFailed(f"GET file {name}: HTTP {status}: {data[:300]!r}")
        digest = hashlib.sha256(data).hexdigest()
        if headers.get("x-content-sha256") != digest:
            raise FetchFailed(f"{name}: sha256 {digest} but X-Content-SHA256 {headers.get('x-content-sha256')}")
        (out / name).write_bytes(data)
        return data, digest

    manifest_bytes, _ = get("manifest.json")
    manifest = json.loads(manifest_bytes)
    if manifest != export["manifest"]:
        raise FetchFailed("manifest.json differs from the manifest in GET /api/v1/exports/{id}/")
    files = {}
    for key, entry in manifest["files"].items():
        data, digest = get(entry["name"])
        if digest != entry["sha256"] or len(data) != entry["bytes"]:
            raise FetchFailed(f"{entry['name']}: sha256/size {digest}/{len(data)}, manifest {entry}")
        lines = data.count(b"\n")
        if entry["name"].endswith(".jsonl") and lines != entry["rows"]:
            raise FetchFailed(f"{entry['name']}: {lines} lines, manifest says {entry['rows']} rows")
        files[key] = {"name": entry["name"], "rows": entry["rows"], "bytes": len(data), "sha256": digest}
    return {"export_id": export_id, "shard": shard, "cut": cut, "rows": manifest["counts"]["rows"], "files": files}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default="http://127.0.0.1:8000")
    p.add_argument("--username", default="trainer")
    p.add_argument("--password", default="demo")
    p.add_argument("--shard", default="en-US")
    p.add_argument("--out", type=Path, default=Path("export-download"))
    args = p.parse_args(argv)
    try:
        summary = fetch(
            http_request(args.base), username=args.username, password=args.password, shard=args.shard, out=args.out
        )
    except FetchFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
