"""Issue 12: what the fault drills share: a TCP proxy that can cut PostgreSQL off, a private
redis-server, the app's processes (daphne, a Celery worker) started in a process group of their own,
a small HTTP client, and the row checks ("every ruling fully stored or absent").

Nothing here touches the shared PostgreSQL or Redis: the proxy stands between the app processes
and PostgreSQL, and the Redis that is killed is one this module started on a free port.
"""

import asyncio
import json
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import _procs
from bench._procs import OwnRedis, free_port, http, wait_for  # noqa: F401 (the drills import them from here)
from tests.conftest import _child_env, child_database_url

# ---- a TCP proxy between the app and PostgreSQL ------------------------------------------------


class TcpProxy:
    """127.0.0.1:port -> target, in a thread of its own. `cut()` closes every open connection and
    refuses new ones (accepts and closes at once, as a dead host's load balancer would); `restore()`
    lets them through again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.open = True
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._started.wait(10)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._started.set()
        self._loop.run_forever()

    async def _handle(self, reader, writer):
        if not self.open:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()
                self._writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def _close_all(self):
        for w in list(self._writers):
            w.transport.abort()  # RST, not FIN: the peer sees the connection die, like a cable pulled
        self._writers.clear()

    def cut(self):
        self.open = False
        self._loop.call_soon_threadsafe(self._close_all)

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def proxied_database_url(proxy: TcpProxy) -> str:
    parts = urlsplit(child_database_url())
    auth = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{auth}@127.0.0.1:{proxy.port}"))


def database_target() -> tuple[str, int]:
    parts = urlsplit(child_database_url())
    return parts.hostname or "127.0.0.1", parts.port or 5432


class Daphne(_procs.Daphne):
    """daphne on the test database; `env` adds to or overrides the child environment."""

    def __init__(self, log: Path, **env):
        super().__init__(log, _child_env(**env))


class Worker(_procs.Worker):
    def __init__(self, log: Path, name: str, **env):
        super().__init__(log, name, _child_env(**env))


# ---- the row checks -------------------------------------------------------------------------------


def api_token(user) -> str:
    """The one place a drill or the load test gets an API credential for a user (knox tokens, core.tokens)."""
    from core.tokens import token_create

    return token_create(user=user)[0]


# ---- the row checks -------------------------------------------------------------------------------


def rulings_fully_stored() -> dict:
    """Every ruling row with all it implies: its seat done, its assignment ruled, exactly one audit
    event naming it, its case decided (VQ-1, VQ-7). Returns counts; raises on any half-stored one."""
    from core.models import AuditEvent
    from training.models import TrainingSample
    from verifier.models import Assignment, Case, CaseTask, Ruling

    rulings = list(Ruling.objects.select_related("task", "case"))
    audit = Counter(
        e["ruling_id"]
        for e in AuditEvent.objects.filter(action="ruling_record").values_list("after", flat=True)
        if e and "ruling_id" in e
    )
    half = []
    for r in rulings:
        ok = (
            r.task.status == CaseTask.Status.DONE
            and Assignment.objects.filter(task=r.task, user=r.verifier, outcome=Assignment.Outcome.RULED).count() == 1
            and audit[str(r.public_id)] == 1
            and r.case.decision in ("yes", "no")
        )
        if not ok:
            half.append(str(r.public_id))
    assert not half, f"half-stored rulings: {half[:10]}"
    pairs = Counter((r.case_id, r.verifier_id) for r in rulings)
    assert max(pairs.values(), default=1) == 1, "a verifier ruled one case twice"
    per_case = Counter(TrainingSample.objects.values_list("case_id", flat=True))
    assert max(per_case.values(), default=1) == 1, "a case became two training samples"
    assert sum(audit.values()) == len(rulings), "an audit event without its ruling"
    # No seat held twice: one active assignment per leased seat, never two holders.
    active = Counter(Assignment.objects.filter(outcome=Assignment.Outcome.ACTIVE).values_list("task_id", flat=True))
    assert max(active.values(), default=1) == 1, "a seat held by two verifiers"
    return {"rulings": len(rulings), "decided": Case.objects.filter(status=Case.Status.DECIDED).count()}


# ---- a queue drain by several verifiers, as the API sees it -------------------------------------------


class Drain:
    """Verifier threads that take the next case and rule on it until the queue is empty (204) and
    `self.done_ok()` allows stopping, or `deadline` passes. Every answer is recorded: `answers` is
    [(t, user, kind, status, body)], kind "next" or "ruling"."""

    def __init__(self, base_url: str, tokens: dict[str, str], *, deadline_s: float = 120):
        self.base_url = base_url
        self.tokens = tokens
        self.deadline = time.time() + deadline_s
        self.answers: list[tuple] = []
        self.lock = threading.Lock()
        self.may_stop = threading.Event()
        self.may_stop.set()
        self.threads = [threading.Thread(target=self._run, args=(u,), daemon=True) for u in tokens]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self):
        for t in self.threads:
            t.join(max(1, self.deadline - time.time() + 30))

    def _record(self, user, kind, status, body):
        with self.lock:
            self.answers.append((time.time(), user, kind, status, body))

    def _call(self, user, kind, method, path, body=None):
        try:
            status, payload = http(method, self.base_url + path, body, token=self.tokens[user], timeout=30)
        except OSError as exc:  # the server is gone (kill -9) or the connection was cut
            status, payload = None, {"error": type(exc).__name__}
        self._record(user, kind, status, payload)
        return status, payload

    def _run(self, user):
        while time.time() < self.deadline:
            status, case = self._call(user, "next", "GET", "/api/v1/queue/next/")
            if status == 204:
                if self.may_stop.is_set():
                    return
                time.sleep(0.2)
                continue
            if status != 200:
                time.sleep(0.2)
                continue
            answer = "yes" if hash(case["id"]) % 2 else "no"
            self._call(user, "ruling", "POST", f"/api/v1/cases/{case['id']}/ruling/", {"answer": answer})

    def rulings_answered(self, status) -> list[dict]:
        return [b for (_, _, k, s, b) in self.answers if k == "ruling" and s == status]

    def statuses(self) -> Counter:
        return Counter((k, s) for (_, _, k, s, _) in self.answers)


# ---- a live page's websocket, as static/app.js uses it ------------------------------------------------


def session_cookie(user) -> str:
    """A logged-in session (database-backed) for `user`, as the browser's cookie would carry it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class LiveClient:
    """One open verifier page: /ws/live/ with the session cookie, reconnecting `retry_s` after a
    close as static/app.js does (it waits 2 s). `events` is [(t, connection_no, index, event)]; the
    first `snapshot` events of each connection are the snapshot the consumer sends on connect."""

    def __init__(self, base_url: str, cookie: str, *, snapshot: int, retry_s: float = 1.0):
        self.snapshot = snapshot
        self.url = base_url.replace("http://", "ws://") + "/ws/live/"
        self.origin = base_url
        self.cookie = cookie
        self.retry_s = retry_s
        self.events: list[tuple[float, int, dict]] = []
        self.connections = 0
        self.closes: list[float] = []
        self._stop = threading.Event()
        self._ws = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        import websocket  # websocket-client

        while not self._stop.is_set():
            try:
                self._ws = websocket.create_connection(
                    self.url, header=[f"Cookie: {self.cookie}"], origin=self.origin, timeout=5
                )
                self.connections += 1
                number, index = self.connections, 0
                while not self._stop.is_set():
                    try:
                        raw = self._ws.recv()
                    except websocket.WebSocketTimeoutException:
                        continue
                    if not raw:
                        break
                    self.events.append((time.time(), number, index, json.loads(raw)))
                    index += 1
            except (OSError, websocket.WebSocketException):
                pass
            self.closes.append(time.time())
            self._stop.wait(self.retry_s)

    def pushes_after(self, t: float, kind: str = "queue_depth") -> list[tuple]:
        """Events pushed (not the connect snapshot) after time t."""
        return [e for e in self.events if e[0] > t and e[2] >= self.snapshot and e[3].get("type") == kind]

    def stop(self):
        self._stop.set()
        if self._ws is not None:
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001 (already closed)
                pass
        self._thread.join(10)
