"""Every setting, read from the environment in one place.

The README's settings table is generated from ``SETTINGS_DOC`` so the two cannot drift apart.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from codebloom.secrets import Secret

# (env var, default, meaning). Defaults here are the production defaults.
SETTINGS_DOC: list[tuple[str, str, str]] = [
    ("DATABASE_URL", "(embedded PostgreSQL)", "SQLAlchemy URL of PostgreSQL, e.g. postgresql+psycopg://u:p@host/db"),
    ("REDIS_URL", "(embedded Redis)", "Redis for the global rate limiter and the lane pause flag"),
    ("CELERY_BROKER_URL", "REDIS_URL", "Celery broker (Redis or amqp://)"),
    ("CODEBLOOM_HOME", ".codebloom", "Where the embedded services keep their data"),
    ("LEETCODE_BASE_URL", "https://leetcode.com", "LeetCode (or the simulator) base URL"),
    ("LEETCODE_SESSION", "(none)", "LEETCODE_SESSION cookie; only submission details send it"),
    ("LEETCODE_CSRF_TOKEN", "(none)", "csrftoken cookie and x-csrftoken header for submission details"),
    ("LEETCODE_TIMEOUT", "10", "Seconds for every LeetCode HTTP call (connect and read)"),
    ("SYNC_INTERVAL", "1800", "Seconds between two sync cycles planned by beat"),
    ("SYNC_SPREAD", "600", "Seconds over which one cycle's sync batches are spread"),
    ("SYNC_BATCH_SIZE", "50", "Users per sync task in a cycle (one message, about one SQL statement per user)"),
    ("SYNC_RETRY_BASE", "5", "Seconds of the first retry delay of a sync_user task (Celery retry, doubling)"),
    ("POTD_INTERVAL", "300", "Seconds between two problem-of-the-day refreshes"),
    ("SWEEP_INTERVAL", "60", "Seconds between two sweeps of the Job table"),
    ("DETAIL_RATE", "20/60", "Global detail-call budget for the whole fleet: CALLS/SECONDS"),
    ("DETAIL_RATE_LIMIT", "off", "Celery's own per-worker rate_limit on the detail task, on top of DETAIL_RATE: "
     "`off`, `auto` (twice DETAIL_RATE per minute) or a Celery rate such as `20/m`"),
    ("DETAIL_RATE_MARGIN", "1", "Seconds added to the limiter window so network jitter cannot overfill it"),
    ("DETAIL_MAX_IN_FLIGHT", "40", "Most detail tasks queued or running at once; the rest wait in the Job table"),
    ("DETAIL_MAX_ATTEMPTS", "5", "Attempts before a Job is FAILED"),
    ("DETAIL_BACKOFF_BASE", "30", "Seconds of the first retry delay; doubles per attempt, with jitter"),
    ("DETAIL_BACKOFF_MAX", "3600", "Cap on one retry delay, seconds"),
    ("DETAIL_LEASE", "180", "Seconds a claimed Job may stay PROCESSING before the sweep reclaims it"),
    ("DETAIL_TOKEN_WAIT", "20", "Seconds a detail task waits for a limiter token before handing the Job back"),
    ("DETAIL_REENQUEUE_AFTER", "600", "Seconds after which a queued but unstarted Job is enqueued again"),
    ("DETAIL_BLOCKED_PAUSE", "900", "Seconds the lane pauses after an HTML 403 challenge"),
    ("DETAIL_AUTH_PAUSE", "300", "Seconds the lane pauses when the LeetCode session is expired or missing"),
    ("DETAIL_DEFAULT_RETRY_AFTER", "30", "Lane pause after a 429 that carries no Retry-After"),
    ("BRIDGE_POLL_INTERVAL", "5", "Seconds the bridge waits for a notification before it feeds anyway"),
    ("SESSION_REFRESH", "15", "Seconds between two looks of a worker for a new session stored in the database"),
    ("LOG_LEVEL", "INFO", "Log level of every process"),
]


class _Source:
    """Environment variables over the values a running embedded setup recorded (env always wins)."""

    def __init__(self, fallback: dict[str, str]) -> None:
        self.fallback = fallback

    def text(self, name: str, default: str) -> str:
        value = os.environ.get(name)
        if value is None or value == "":
            value = self.fallback.get(name, "")
        return default if value == "" else value

    def optional(self, name: str) -> str | None:
        return self.text(name, "") or None

    def number(self, name: str, default: float) -> float:
        raw = self.text(name, str(default))
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"setting {name}={raw!r} is not a number") from None

    def whole(self, name: str, default: int) -> int:
        raw = self.text(name, str(default))
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"setting {name}={raw!r} is not a whole number") from None


def parse_rate(text: str, name: str = "DETAIL_RATE") -> tuple[int, int]:
    """Parse ``CALLS/SECONDS`` (``20/60``) into (calls, seconds)."""
    try:
        calls_text, seconds_text = text.split("/", 1)
        calls, seconds = int(calls_text), int(seconds_text)
    except ValueError:
        raise ValueError(f"setting {name}={text!r} must look like CALLS/SECONDS, e.g. 20/60") from None
    if calls < 1 or seconds < 1:
        raise ValueError(f"setting {name}={text!r} needs at least 1 call per at least 1 second")
    return calls, seconds


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    broker_url: str | None
    home: str
    leetcode_base_url: str
    leetcode_session: Secret
    leetcode_csrf: Secret
    leetcode_timeout: float
    sync_interval: float
    sync_spread: float
    sync_batch_size: int
    sync_retry_base: float
    potd_interval: float
    sweep_interval: float
    detail_rate: tuple[int, int]
    detail_rate_limit: str | None
    detail_rate_margin: int
    detail_max_in_flight: int
    detail_max_attempts: int
    detail_backoff_base: float
    detail_backoff_max: float
    detail_lease: float
    detail_token_wait: float
    detail_reenqueue_after: float
    detail_blocked_pause: float
    detail_auth_pause: float
    detail_default_retry_after: float
    bridge_poll_interval: float
    session_refresh: float
    log_level: str
    extra: dict[str, str] = field(default_factory=dict)


def _running_embedded(home: str) -> dict[str, str]:
    """URLs of embedded services started by `codebloom demo`/`services` in this home, if any."""
    path = os.path.join(home, "services.env")
    values: dict[str, str] = {}
    if os.path.exists(path):
        with open(path) as handle:
            for line in handle:
                key, sep, value = line.strip().partition("=")
                if sep:
                    values[key] = value
    return values


def load_settings() -> Settings:
    """Read the environment now (no caching): tests and the CLI change it.

    Explicit DATABASE_URL / REDIS_URL / CELERY_BROKER_URL always win. Without DATABASE_URL, the values
    recorded by embedded services running from CODEBLOOM_HOME (``services.env``) fill in what the
    environment does not set.
    """
    home = os.environ.get("CODEBLOOM_HOME") or ".codebloom"
    env = _Source({} if os.environ.get("DATABASE_URL") else _running_embedded(home))
    redis_url = env.optional("REDIS_URL")
    detail_rate = parse_rate(env.text("DETAIL_RATE", "20/60"))
    return Settings(
        database_url=env.optional("DATABASE_URL"),
        redis_url=redis_url,
        broker_url=env.optional("CELERY_BROKER_URL") or redis_url,
        home=home,
        leetcode_base_url=env.text("LEETCODE_BASE_URL", "https://leetcode.com").rstrip("/"),
        leetcode_session=Secret(env.text("LEETCODE_SESSION", "")),
        leetcode_csrf=Secret(env.text("LEETCODE_CSRF_TOKEN", "")),
        leetcode_timeout=env.number("LEETCODE_TIMEOUT", 10.0),
        sync_interval=env.number("SYNC_INTERVAL", 1800.0),
        sync_spread=env.number("SYNC_SPREAD", 600.0),
        sync_batch_size=env.whole("SYNC_BATCH_SIZE", 50),
        sync_retry_base=env.number("SYNC_RETRY_BASE", 5.0),
        potd_interval=env.number("POTD_INTERVAL", 300.0),
        sweep_interval=env.number("SWEEP_INTERVAL", 60.0),
        detail_rate=detail_rate,
        detail_rate_limit=celery_rate_limit(env.text("DETAIL_RATE_LIMIT", "off"), detail_rate),
        detail_rate_margin=env.whole("DETAIL_RATE_MARGIN", 1),
        detail_max_in_flight=env.whole("DETAIL_MAX_IN_FLIGHT", 40),
        detail_max_attempts=env.whole("DETAIL_MAX_ATTEMPTS", 5),
        detail_backoff_base=env.number("DETAIL_BACKOFF_BASE", 30.0),
        detail_backoff_max=env.number("DETAIL_BACKOFF_MAX", 3600.0),
        detail_lease=env.number("DETAIL_LEASE", 180.0),
        detail_token_wait=env.number("DETAIL_TOKEN_WAIT", 20.0),
        detail_reenqueue_after=env.number("DETAIL_REENQUEUE_AFTER", 600.0),
        detail_blocked_pause=env.number("DETAIL_BLOCKED_PAUSE", 900.0),
        detail_auth_pause=env.number("DETAIL_AUTH_PAUSE", 300.0),
        detail_default_retry_after=env.number("DETAIL_DEFAULT_RETRY_AFTER", 30.0),
        bridge_poll_interval=env.number("BRIDGE_POLL_INTERVAL", 5.0),
        session_refresh=env.number("SESSION_REFRESH", 15.0),
        log_level=env.text("LOG_LEVEL", "INFO").upper(),
    )


def celery_rate_limit(text: str, detail_rate: tuple[int, int]) -> str | None:
    """Celery's per-worker ``rate_limit`` for the detail task: None for ``off`` (the default); for ``auto``,
    twice the fleet budget per minute.

    Off by default because the shared Redis limiter is what holds the fleet budget, and Celery's limiter only
    takes capacity away: it holds early messages on the worker's timer (failure mode F2) and, with a prefetch
    of 1, delivers about 2 tasks per second per worker whatever its nominal rate (celery/celery#6845; measured
    in docs/performance.md, rate fidelity). Equal to the budget, it, not the shared limiter, would set the pace
    of a single worker."""
    value = text.strip().lower()
    if value in ("off", "none", "0"):
        return None
    if value == "auto":
        calls, seconds = detail_rate
        return f"{math.ceil(2 * calls * 60 / seconds)}/m"
    if not re.fullmatch(r"\d+(\.\d+)?(/[smh])?", value):
        raise ValueError(f"setting DETAIL_RATE_LIMIT={text!r} must be auto, off, or a Celery rate such as 20/m")
    return value


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Settings of a long-running process (worker, bridge): read once."""
    return load_settings()
