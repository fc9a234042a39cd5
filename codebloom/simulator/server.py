"""HTTP server: LeetCode-like ``POST /graphql`` plus ``/_sim/*`` admin endpoints."""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import admin
from .control import FaultBook, RateLimiter, Stats, ceil_seconds
from .dispatch import Context, Result, bad_request, execute
from .gql import Field, GraphQLSyntaxError, parse, resolve_args
from .responses import (
    BAD_GATEWAY_502,
    CLOUDFLARE_403,
    CSRF_403,
    MALFORMED,
    cf_ray,
    dumps,
    error_body,
    html_headers,
    json_headers,
    throttled_body,
)
from .world import Problem, World, WorldClock, load_catalogue

USER_FAULT_OPS = ("recentAcSubmissionList", "matchedUser")
DRIFT_RENAMES = {"recentAcSubmissionList": ("titleSlug", "title_slug"), "matchedUser": ("username", "user_name")}


@dataclass
class SimulatorConfig:
    """Everything the simulator can be started with (see ``python -m codebloom.simulator --help``)."""

    host: str = "127.0.0.1"
    port: int = 8765
    seed: int = 42
    users: int = 1000
    catalogue_path: str | None = None
    session_token: str = "sim-session-token"
    csrf_token: str = "sim-csrf-token"
    rate_limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    retry_after: int | None = None
    latency_ms: float = 0.0
    history_days: int = 14
    frozen_at: float | None = None
    speed: float = 1.0
    require_referer_always: bool = False
    catalogue: list[dict[str, Any]] | None = None  # inline catalogue rows (overrides catalogue_path)
    log_requests: bool = False


class SimState:
    """Shared mutable state of one running simulator."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        if config.catalogue is not None:
            problems = [Problem.from_dict(d) for d in config.catalogue]
        else:
            problems = load_catalogue(config.catalogue_path)
        self.clock = WorldClock(config.frozen_at, config.speed)
        self.world = World(config.seed, config.users, problems, config.history_days, self.clock.now())
        self.limiter = RateLimiter(config.rate_limits)
        self.faults = FaultBook()
        self.stats = Stats()
        self.lock = threading.Lock()
        self.session_token = config.session_token
        self.csrf_token = config.csrf_token
        self.latency_ms = float(config.latency_ms)
        self.stopping = threading.Event()

    def signed_in(self, cookies: dict[str, str]) -> bool:
        """Whether the request carries the currently valid session cookie."""
        with self.lock:
            token = self.session_token
        return bool(token) and cookies.get("LEETCODE_SESSION") == token


def parse_cookies(header: str | None) -> dict[str, str]:
    """Lenient ``Cookie`` header parsing."""
    out: dict[str, str] = {}
    for part in (header or "").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip().strip('"')
    return out


class SimHandler(BaseHTTPRequestHandler):
    """One connection; keep-alive with exact Content-Length."""

    protocol_version = "HTTP/1.1"
    server: SimServer

    def version_string(self) -> str:
        """Value of the ``Server`` header."""
        return "cloudflare"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet unless configured."""
        if self.server.sim.config.log_requests:
            super().log_message(format, *args)

    # ---- plumbing ---------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Write a complete response."""
        self.send_response(status)
        for k, v in (headers or {}).items():
            if k.lower() not in ("server", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        # one write for head + body: avoids Nagle / delayed-ACK stalls on keep-alive connections
        self._headers_buffer.append(  # type: ignore[attr-defined]
            b"\r\n" + (body if self.command != "HEAD" else b""))
        self.flush_headers()

    def setup(self) -> None:
        """Disable Nagle on the accepted socket."""
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        """JSON response with LeetCode-like headers."""
        self.send(status, dumps(obj), {**json_headers(), **(extra or {})})

    # ---- routing ----------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """GraphQL or admin POST."""
        path = urlsplit(self.path).path
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(400, b"bad request body", {"Content-Type": "text/plain"})
            return
        if path in ("/graphql", "/graphql/"):
            self.handle_graphql(body)
        elif path.startswith("/_sim/"):
            admin.handle(self, "POST", path, body)
        else:
            self.send_json(404, {"error": "not found"})

    def do_GET(self) -> None:  # noqa: N802
        """Admin GETs; ``GET /graphql/`` answers like graphene without a query."""
        parts = urlsplit(self.path)
        if parts.path in ("/graphql", "/graphql/"):
            with self.server.sim.lock:
                csrf = self.server.sim.csrf_token
            self.send_json(400, {"errors": [{"message": "Must provide query string."}]},
                           {"Set-Cookie": f"csrftoken={csrf}; Max-Age=31449600; Path=/; SameSite=Lax"})
        elif parts.path.startswith("/_sim/"):
            admin.handle(self, "GET", parts.path, b"", parse_qs(parts.query))
        else:
            self.send_json(404, {"error": "not found"})

    def do_DELETE(self) -> None:  # noqa: N802
        """Admin DELETEs."""
        parts = urlsplit(self.path)
        self._read_body()
        admin.handle(self, "DELETE", parts.path, b"", parse_qs(parts.query))

    # ---- GraphQL ----------------------------------------------------------------------------
    def handle_graphql(self, raw: bytes) -> None:
        """The ``/graphql`` endpoint: CSRF, rate limit, faults, then the real answer."""
        sim = self.server.sim
        t_start = time.monotonic()
        op: str = "_invalid"
        result: Result | None = None
        fields: list[Field] | None = None
        variables: dict[str, Any] = {}
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            payload = None
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not isinstance(query, str) or not query.strip():
            result = Result(400, {"errors": [{"message": "Must provide query string."}]})
        else:
            variables = payload.get("variables") or {}
            if not isinstance(variables, dict):
                variables = {}
            try:
                fields = parse(query)
                op = fields[0].name if fields else "_invalid"
            except GraphQLSyntaxError as e:
                result = Result(400, {"errors": [error_body(str(e))]})
        sim.stats.arrival(op)
        cookies = parse_cookies(self.headers.get("Cookie"))
        referer = (self.headers.get("Referer") or "").strip()
        if not referer and (self.headers.get("Cookie") or sim.config.require_referer_always):
            return self._reply(t_start, 403, CSRF_403.encode(), html_headers())
        if result is not None or fields is None:
            return self._reply_result(t_start, result or bad_request("Must provide query string."))
        wait = sim.limiter.acquire(op)
        if wait is not None:
            sim.stats.bump("rate_limited", op)
            secs = sim.config.retry_after if sim.config.retry_after is not None else ceil_seconds(wait)
            return self._reply(t_start, 429, throttled_body(secs), {**json_headers(), "Retry-After": str(secs)})
        ctx = Context(now=sim.clock.now(), signed_in=sim.signed_in(cookies))
        fault = sim.faults.take(op)
        if fault is not None:
            sim.stats.bump("faults", op)
            return self._apply_fault(t_start, op, fault.kind, fault.retry_after, fault.hold_seconds,
                                     lambda: execute(sim.world, fields, variables, ctx))
        user_fault = None
        if op in USER_FAULT_OPS:
            name = resolve_args(fields[0].args, variables).get("username")
            user_fault = sim.world.user_fault(str(name)) if name else None
        if user_fault is not None:
            sim.stats.bump("faults", op)
            if user_fault == "schema_drift":
                res = execute(sim.world, fields, variables, ctx)
                _drift(res, op)
                return self._reply_result(t_start, res)
            return self._apply_fault(t_start, op, user_fault, None, 0,
                                     lambda: execute(sim.world, fields, variables, ctx))
        res = execute(sim.world, fields, variables, ctx)
        if res.status == 200:
            sim.stats.bump("served", op)
        for sub, node in res.details:
            code = node["code"]
            sim.stats.detail(sub.id, {
                "runtime": node["runtime"], "memory": node["memory"], "runtimeDisplay": node["runtimeDisplay"],
                "memoryDisplay": node["memoryDisplay"], "lang": sub.lang,
                "code_sha256": hashlib.sha256(code.encode("utf-8")).hexdigest(),
                "code_length": len(code),
            })
        return self._reply_result(t_start, res)

    def _apply_fault(self, t_start: float, op: str, kind: str, retry_after: int | None, hold: float,
                     compute: Any) -> None:
        if kind == "http_429":
            headers = json_headers()
            secs = retry_after if retry_after is not None else 42
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            return self._reply(t_start, 429, throttled_body(secs), headers)
        if kind == "html_403":
            ray = cf_ray().split("-")[0]
            headers = {**html_headers("UTF-8"), "cf-mitigated": "challenge",
                       "Cache-Control": "private, max-age=0, no-store, no-cache, must-revalidate"}
            return self._reply(t_start, 403, (CLOUDFLARE_403 % {"ray": ray}).encode(), headers)
        if kind == "http_502":
            return self._reply(t_start, 502, BAD_GATEWAY_502.encode(), {"Content-Type": "text/html"})
        if kind == "http_499":
            return self._reply(t_start, 499, b"", {})
        if kind == "timeout":
            self.server.sim.stopping.wait(hold)
            self.close_connection = True
            return None
        if kind == "malformed_json":
            return self._reply(t_start, 200, MALFORMED.encode(), json_headers())
        if kind == "truncated_json":
            full = dumps(compute().body)
            return self._reply(t_start, 200, full[: max(1, len(full) // 2)], json_headers())
        if kind == "null_details":
            return self._reply_result(t_start, Result(200, {"data": {op: None}}))
        if kind == "graphql_error":
            err = error_body("Internal server error. Please try again later.", path=[op],
                             extensions={"handled": False})
            return self._reply_result(t_start, Result(200, {"errors": [err], "data": None}))
        # schema_400
        return self._reply_result(t_start, bad_request(f'Cannot query field "{op}" on type "Query".'))

    def _reply_result(self, t_start: float, res: Result) -> None:
        self._reply(t_start, res.status, dumps(res.body), json_headers())

    def _reply(self, t_start: float, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Send after the configured latency (never while holding a lock)."""
        with self.server.sim.lock:
            latency = self.server.sim.latency_ms / 1000.0
        remaining = latency - (time.monotonic() - t_start)
        if remaining > 0:
            self.server.sim.stopping.wait(remaining)
        self.send(status, body, headers)


def _drift(res: Result, op: str) -> None:
    """Rename one field in the answer (silent schema drift)."""
    old, new = DRIFT_RENAMES[op]
    data = res.body.get("data") or {}
    for value in data.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and old in item:
                item[new] = item.pop(old)


class SimServer(ThreadingHTTPServer):
    """Threaded HTTP server holding a :class:`SimState`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, config: SimulatorConfig) -> None:
        self.sim = SimState(config)
        super().__init__((config.host, config.port), SimHandler)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}"


def make_server(config: SimulatorConfig) -> SimServer:
    """Bind (port 0 picks a free port) without serving yet."""
    return SimServer(config)


class RunningSimulator:
    """A simulator serving in a background thread."""

    def __init__(self, server: SimServer, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread
        self.url = server.url
        self.state = server.sim

    @property
    def world(self) -> World:
        """The simulated world."""
        return self.server.sim.world

    def stop(self) -> None:
        """Stop serving and release the port (wakes held ``timeout`` faults)."""
        self.server.sim.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(config: SimulatorConfig | None = None) -> RunningSimulator:
    """Start a simulator in a daemon thread and return a handle with ``.url`` and ``.stop()``."""
    server = make_server(config or SimulatorConfig(port=0))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="leetcode-simulator", daemon=True)
    thread.start()
    return RunningSimulator(server, thread)


def serve_forever(config: SimulatorConfig) -> None:
    """Serve until SIGTERM/SIGINT; prints ``simulator listening on http://HOST:PORT``."""
    running = start_in_thread(config)
    done = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"simulator listening on {running.url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        running.stop()
    sys.stdout.flush()
