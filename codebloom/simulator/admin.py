"""``/_sim/*`` admin endpoints (plain JSON, no auth, never counted in stats)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from .server import SimHandler

PLAIN = {"Content-Type": "application/json"}


class AdminError(ValueError):
    """Bad admin request (answered with HTTP 400)."""


def _json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AdminError(f"invalid JSON: {e}") from e


def handle(h: SimHandler, method: str, path: str, body: bytes, query: dict[str, list[str]] | None = None) -> None:
    """Route one admin request."""
    try:
        status, obj = _route(h, method, path.rstrip("/") or "/", body, query or {})
    except AdminError as e:
        status, obj = 400, {"error": str(e)}
    except (ValueError, TypeError, KeyError) as e:
        status, obj = 400, {"error": f"{type(e).__name__}: {e}"}
    h.send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), PLAIN)


def _route(h: SimHandler, method: str, path: str, body: bytes,
           query: dict[str, list[str]]) -> tuple[int, Any]:
    sim = h.server.sim
    world = sim.world
    key = (method, path)
    if key == ("GET", "/_sim/health"):
        return 200, {"ok": True}
    if key == ("GET", "/_sim/stats"):
        return 200, sim.stats.snapshot(sim.clock.now())
    if key == ("POST", "/_sim/stats/reset"):
        sim.stats.reset()
        return 200, {"ok": True}
    if key == ("GET", "/_sim/catalogue"):
        return 200, [p.to_dict() for p in world.problems]
    if key == ("GET", "/_sim/rate-limits"):
        return 200, sim.limiter.snapshot()
    if key == ("POST", "/_sim/rate-limits"):
        data = _json(body) or {}
        if not isinstance(data, dict):
            raise AdminError("expected an object {op: {limit, window} | null}")
        for op, spec in data.items():
            if not spec:
                sim.limiter.set(op, None)
            else:
                sim.limiter.set(op, int(spec["limit"]), float(spec["window"]))
        return 200, sim.limiter.snapshot()
    if key == ("GET", "/_sim/faults"):
        return 200, sim.faults.snapshot()
    if key == ("POST", "/_sim/faults"):
        data = _json(body)
        items = data if isinstance(data, list) else [data]
        for d in items:
            if not isinstance(d, dict) or "op" not in d or "kind" not in d:
                raise AdminError('expected {"op": ..., "kind": ..., "count": N|null}')
            sim.faults.add(d["op"], d["kind"], d.get("count", 1), d.get("retry_after"), d.get("hold_seconds"))
        return 200, sim.faults.snapshot()
    if key == ("DELETE", "/_sim/faults"):
        sim.faults.clear(query.get("op", [None])[0])
        return 200, sim.faults.snapshot()
    if key == ("POST", "/_sim/session"):
        data = _json(body) or {}
        with sim.lock:
            if "token" in data:
                sim.session_token = data["token"] or ""
            if "csrf" in data:
                sim.csrf_token = data["csrf"] or ""
            return 200, {"token": sim.session_token, "csrf": sim.csrf_token}
    if path == "/_sim/clock":
        if method == "POST":
            data = _json(body) or {}
            speed = data.get("speed")
            if "frozen_at" in data and data["frozen_at"] is not None:
                sim.clock.set(frozen_at=float(data["frozen_at"]), speed=speed)
            else:
                sim.clock.set(unfreeze="frozen_at" in data, speed=speed)
        return 200, {"world_now": sim.clock.now(), "frozen": sim.clock.frozen, "speed": sim.clock.speed}
    if key == ("POST", "/_sim/latency"):
        data = _json(body) or {}
        with sim.lock:
            sim.latency_ms = float(data.get("ms") or 0)
            return 200, {"ms": sim.latency_ms}
    if key == ("POST", "/_sim/users"):
        data = _json(body)
        if not isinstance(data, dict):
            raise AdminError('expected {"username": ..., "submissions": [...]}')
        user = world.register_user(str(data.get("username") or ""), data.get("submissions") or [], data.get("fault"),
                                   now=sim.clock.now())
        return 200, {"username": user.username, "fault": user.fault,
                     "submissions": [dict(s.as_item(), codeBytes=s.code_bytes) for s in user.submissions]}
    if method == "GET" and path.startswith("/_sim/users/") and path.endswith("/submissions"):
        name = unquote(path[len("/_sim/users/"):-len("/submissions")])
        limit = int(query.get("limit", ["20"])[0])
        limit = 20 if limit < 1 else min(limit, 20)
        return 200, [s.as_item() for s in world.recent_ac(name, limit, sim.clock.now())]
    return 404, {"error": f"no admin route {method} {path}"}
