"""Issue 12: the locust scenario that bench/load.py runs headless against 127.0.0.1 only.

- `Verifier` (200): next case, read it for a think time drawn from a lognormal distribution
  (median LOAD_THINK_MEDIAN_S = 6 s, sigma LOAD_THINK_SIGMA = 0.6: mean 7.2 s, p95 16 s; people
  mostly decide a binary question quickly, a few read long), rule yes/no; 204: look again in 2 s.
- `LivePage` (20): an open verifier page on /ws/live/, reconnecting 2 s after a close (static/app.js).
- `Intake` (1): a 10,000-item bulk every LOAD_BULK_EVERY_S seconds, unique posts, submitters, networks.
- `Trainer` (1): cut a batch, start an export, poll it to the end, again.
- `Probe` (1): GET /healthz twice a second per web process: the floor every request pays, the latency
  ceiling bench/load.py reports against.

Users are spread over the web processes in LOAD_CONFIG's `hosts` as a round-robin balancer would.
Every answer the scenario depends on is written to LOAD_CONFIG's `out` when the run stops.
"""

import itertools
import json
import os
import random
import time
from collections import Counter

from locust import HttpUser, User, between, constant, events, task

CONF = json.loads(open(os.environ["LOAD_CONFIG"]).read())
HOSTS = CONF["hosts"]
THINK_MEDIAN_S = float(os.environ.get("LOAD_THINK_MEDIAN_S", CONF.get("think_median_s", 6.0)))
THINK_SIGMA = float(os.environ.get("LOAD_THINK_SIGMA", CONF.get("think_sigma", 0.6)))
BULK_EVERY_S = float(CONF["bulk_every_s"])
BULK_ITEMS = int(CONF["bulk_items"])
BULK_UNTIL_S = float(CONF["bulk_until_s"])
STARTED = time.monotonic()

_verifier_no = itertools.count()
_live_no = itertools.count()
_host_no = itertools.count()
RECORD = {
    "rulings": [],  # (status, ruling_id or code)
    "next": Counter(),
    "bulks": [],  # {tag, status, results, outcomes}
    "exports": [],  # {id, status, seconds}
    "pushes": Counter(),  # per live page
    "ws_connects": Counter(),
    "think_s": [],
}


def _host() -> str:
    return HOSTS[next(_host_no) % len(HOSTS)]


def think_time() -> float:
    return random.lognormvariate(_mu(), THINK_SIGMA)


def _mu() -> float:
    import math

    return math.log(THINK_MEDIAN_S)


class Verifier(HttpUser):
    fixed_count = CONF["verifiers"]
    wait_time = constant(0)

    def on_start(self):
        self.host = self.client.base_url = _host()
        self.token = CONF["verifier_tokens"][next(_verifier_no) % len(CONF["verifier_tokens"])]
        self.headers = {"Authorization": f"Token {self.token}"}
        time.sleep(random.uniform(0, THINK_MEDIAN_S))  # people arrive over the first seconds, not at once

    @task
    def take_and_rule(self):
        with self.client.get(
            "/api/v1/queue/next/", headers=self.headers, name="GET /api/v1/queue/next/", catch_response=True
        ) as r:
            RECORD["next"][r.status_code] += 1
            if r.status_code == 204:
                r.success()
                time.sleep(2)
                return
            if r.status_code != 200:
                r.failure(f"{r.status_code} {r.text[:120]}")
                time.sleep(1)
                return
            case = r.json()
        pause = think_time()
        RECORD["think_s"].append(pause)
        time.sleep(pause)
        answer = random.choice(["yes", "no"])
        with self.client.post(
            f"/api/v1/cases/{case['id']}/ruling/",
            json={"answer": answer},
            headers=self.headers,
            name="POST /api/v1/cases/[id]/ruling/",
            catch_response=True,
        ) as r:
            if r.status_code == 201:
                RECORD["rulings"].append((201, r.json()["ruling_id"]))
                r.success()
            else:
                code = (
                    r.json().get("code", "") if r.headers.get("content-type", "").startswith("application/json") else ""
                )
                RECORD["rulings"].append((r.status_code, code))
                r.failure(f"{r.status_code} {code}")


class LivePage(User):
    fixed_count = CONF["live_pages"]
    wait_time = constant(0)

    def on_start(self):
        self.number = next(_live_no)
        self.cookie = CONF["live_cookies"][self.number % len(CONF["live_cookies"])]
        self.url = _host().replace("http://", "ws://") + "/ws/live/"

    @task
    def stay_open(self):
        import websocket  # websocket-client; locust's gevent makes its socket cooperative

        started = time.perf_counter()
        try:
            ws = websocket.create_connection(
                self.url, header=[f"Cookie: {self.cookie}"], origin=self.url.replace("ws://", "http://"), timeout=30
            )
        except Exception as exc:  # noqa: BLE001 (reported as a failed connect)
            events.request.fire(
                request_type="WS", name="/ws/live/ connect", response_time=(time.perf_counter() - started) * 1000,
                response_length=0, exception=exc,
            )  # fmt: skip
            time.sleep(2)
            return
        events.request.fire(
            request_type="WS", name="/ws/live/ connect", response_time=(time.perf_counter() - started) * 1000,
            response_length=0, exception=None,
        )  # fmt: skip
        RECORD["ws_connects"][self.number] += 1
        ws.settimeout(1)
        try:
            while self.environment.runner is None or self.environment.runner.state not in ("stopping", "stopped"):
                try:
                    raw = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if not raw:
                    break
                if json.loads(raw).get("type") == "queue_depth":
                    RECORD["pushes"][self.number] += 1
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            ws.close()
        time.sleep(2)  # as static/app.js: reconnect two seconds after a close


class Intake(HttpUser):
    fixed_count = 1
    wait_time = constant(0)

    def on_start(self):
        self.host = self.client.base_url = HOSTS[0]
        self.headers = {"Authorization": f"Token {CONF['intake_token']}"}
        self.bulk_no = 0
        self.next_at = time.monotonic()

    @task
    def post_bulk(self):
        time.sleep(max(0.0, self.next_at - time.monotonic()))
        if time.monotonic() - STARTED > BULK_UNTIL_S:
            time.sleep(1)  # the last bulks are answered; the run is about to stop
            return
        self.next_at = time.monotonic() + BULK_EVERY_S
        tag = f"{CONF['run']}-b{self.bulk_no}"
        self.bulk_no += 1
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        items = [
            {
                "post_id": f"{tag}-{i}",
                "post_text": f"Over {100 + i % 50} people marched downtown, report {i}",
                "hashtags": [f"#city{i % 40}"],
                "reply_text": f'@grok correct it was "{200 + i % 50}" people',
                "submitter_id": f"{tag}-u{i}",
                "billing_country": "US",
                "ip": f"2001:db8:{self.bulk_no:x}:{i:x}::1",
                "declared_locale": "en-US",
                "at": at,
            }
            for i in range(BULK_ITEMS)
        ]
        with self.client.post(
            "/api/v1/corrections/",
            json={"items": items},
            headers=self.headers,
            name=f"POST /api/v1/corrections/ ({BULK_ITEMS:,}-item bulk)",
            catch_response=True,
            timeout=300,
        ) as r:
            entry = {"tag": tag, "status": r.status_code, "results": 0, "outcomes": {}}
            if r.status_code == 200:
                results = r.json()["results"]
                entry["results"] = len(results)
                entry["outcomes"] = dict(Counter(x["outcome"] for x in results))
                entry["indexes_in_order"] = [x["index"] for x in results] == list(range(BULK_ITEMS))
                r.success()
            else:
                r.failure(f"{r.status_code} {r.text[:120]}")
            RECORD["bulks"].append(entry)


class Trainer(HttpUser):
    fixed_count = 1
    wait_time = constant(3)

    def on_start(self):
        self.host = self.client.base_url = HOSTS[-1]
        self.headers = {"Authorization": f"Token {CONF['trainer_token']}"}

    @task
    def export(self):
        shard = CONF["shard"]
        with self.client.post(
            "/api/v1/batches/", json={"shard": shard}, headers=self.headers, name="POST /api/v1/batches/",
            catch_response=True,
        ) as r:  # fmt: skip
            if r.status_code in (201, 409):  # 409 nothing_waiting is an answer, not an error
                r.success()
        with self.client.post(
            "/api/v1/exports/", json={"shard": shard}, headers=self.headers, name="POST /api/v1/exports/",
            catch_response=True,
        ) as r:  # fmt: skip
            if r.status_code != 202:
                if r.status_code == 409:
                    r.success()
                return
            export_id = r.json()["id"]
        started = time.monotonic()
        status = "queued"
        while status not in ("done", "failed") and time.monotonic() - started < 600:
            time.sleep(2)
            r = self.client.get(f"/api/v1/exports/{export_id}/", headers=self.headers, name="GET /api/v1/exports/[id]/")
            if r.status_code == 200:
                status = r.json()["status"]
            if self.environment.runner is not None and self.environment.runner.state in ("stopping", "stopped"):
                break
        RECORD["exports"].append({"id": export_id, "status": status, "seconds": round(time.monotonic() - started, 1)})


class Probe(HttpUser):
    fixed_count = 1
    wait_time = between(0.4, 0.6)

    @task
    def healthz(self):
        for host in HOSTS:
            self.client.get(f"{host}/healthz", name="GET /healthz (floor)")


@events.quitting.add_listener
def _write_record(environment, **kw):
    with open(CONF["out"], "w") as f:
        json.dump(
            {
                **RECORD,
                "next": dict(RECORD["next"]),
                "pushes": dict(RECORD["pushes"]),
                "ws_connects": dict(RECORD["ws_connects"]),
            },
            f,
        )
