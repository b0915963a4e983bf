"""Processes the load test (bench/load.py) and the fault drills (tests/faults/) start and stop:
a private redis-server, daphne, a Celery worker, each in a process group of its own, and a small
HTTP client. Each takes its whole environment from the caller (the drills point it at the test
database, the load test at the bench database)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the group, wait, then SIGKILL whatever of it is left (pool children hold connections)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---- a private Redis ------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server on a free port of 127.0.0.1 that a drill may kill and start again."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=(self.workdir / f"redis-{self.port}.log").open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import redis

        wait_for(lambda: _ping(redis, self.url), 15, "the private redis-server to start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        self.kill()


def _ping(redis, url) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


# ---- the app's processes ----------------------------------------------------------------------------


def wait_for(predicate, timeout, what, logs=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n" + "\n".join(_tail(p) for p in logs))


def _tail(path: Path, n: int = 3000) -> str:
    return f"--- {path.name}\n" + (path.read_text()[-n:] if path.exists() else "(no log)")


class Daphne:
    """The ASGI app under daphne on 127.0.0.1, restartable on the same port (a kill -9 drill)."""

    def __init__(self, log: Path, env: dict, *, port: int | None = None, wait: bool = True):
        self.port = port or free_port()
        self.log = log
        self.env = {**env, "DJANGO_DEBUG": "0"}
        self.proc: subprocess.Popen | None = None
        self.start(wait=wait)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self):
        wait_for(self._up, 90, "daphne to answer /healthz", [self.log])

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("daphne exited:\n" + _tail(self.log))
        try:
            return http("GET", f"{self.url}/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc is not None:
            stop_process_group(self.proc)


class Worker:
    """A real Celery worker (prefork, one child) on its own process group."""

    def __init__(self, log: Path, name: str, env: dict, *, wait: bool = True):
        self.log = log
        env = {"HF_HUB_OFFLINE": "1", **env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,gpu", "-c", "1"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
            + ["-n", f"{name}-{os.getpid()}@%h"],
            cwd=ROOT,
            env=env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self):
        wait_for(lambda: "ready" in self.log.read_text() or self.proc.poll() is not None, 120, "the worker", [self.log])
        if self.proc.poll() is not None:
            raise RuntimeError("worker exited:\n" + _tail(self.log))

    def kill9(self):
        """SIGKILL the whole worker: its main process and its pool child, at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        stop_process_group(self.proc)


# ---- HTTP ----------------------------------------------------------------------------------------


def http(method: str, url: str, body=None, token: str | None = None, timeout: float = 60):
    """(status, parsed JSON body or None). Raises OSError when the server is not there."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # 127.0.0.1 only
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"raw": raw[:200].decode(errors="replace")}
