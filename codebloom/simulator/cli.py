"""Command-line options of the simulator (reusable by the project's CLI)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from .server import SimulatorConfig

_RATE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*$")


def parse_rate_limit(text: str) -> tuple[str, int, float]:
    """Parse ``OP=N/SECONDS`` (e.g. ``submissionDetails=20/60``)."""
    m = _RATE.match(text)
    if not m or float(m.group(3)) <= 0:
        raise argparse.ArgumentTypeError(f"expected OP=N/SECONDS, got {text!r}")
    return m.group(1), int(m.group(2)), float(m.group(3))


def build_arg_parser(prog: str = "python -m codebloom.simulator") -> argparse.ArgumentParser:
    """The simulator's argparse parser."""
    p = argparse.ArgumentParser(prog=prog, description="LeetCode-compatible GraphQL simulator",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--users", type=int, default=1000, help="number of generated users sim_user_0001...")
    p.add_argument("--catalogue", metavar="FILE", help="JSON list of problems (catalogue shape)")
    p.add_argument("--session-token", default="sim-session-token",
                   help="the LEETCODE_SESSION cookie value that submissionDetails accepts")
    p.add_argument("--csrf-token", default="sim-csrf-token")
    p.add_argument("--rate-limit", action="append", default=[], type=parse_rate_limit, metavar="OP=N/SECONDS")
    p.add_argument("--retry-after", type=int, default=None, metavar="SECONDS",
                   help="fixed Retry-After on rate-limit 429s (default: seconds until a slot frees)")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--history-days", type=int, default=14)
    p.add_argument("--frozen-at", type=float, default=None, metavar="EPOCH")
    p.add_argument("--speed", type=float, default=1.0, help="world clock speed multiplier")
    p.add_argument("--require-referer-always", action="store_true")
    p.add_argument("--log-requests", action="store_true")
    return p


def config_from_args(argv: Sequence[str] | None = None, prog: str | None = None) -> SimulatorConfig:
    """Parse ``argv`` into a :class:`SimulatorConfig`."""
    a = (build_arg_parser(prog) if prog else build_arg_parser()).parse_args(argv)
    return SimulatorConfig(
        host=a.host, port=a.port, seed=a.seed, users=a.users, catalogue_path=a.catalogue,
        session_token=a.session_token, csrf_token=a.csrf_token,
        rate_limits={op: (n, win) for op, n, win in a.rate_limit}, retry_after=a.retry_after,
        latency_ms=a.latency_ms, history_days=a.history_days, frozen_at=a.frozen_at, speed=a.speed,
        require_referer_always=a.require_referer_always, log_requests=a.log_requests,
    )
