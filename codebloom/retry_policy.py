"""When is a detail Job retried: every error class mapped to what happens to the Job and the lane.

| error                     | job                                   | attempts | lane                       |
|---------------------------|---------------------------------------|----------|----------------------------|
| RateLimited (429)         | due again after Retry-After           | kept     | paused for Retry-After     |
| Blocked (HTML 403)        | due again after the blocked pause     | kept     | paused, ALERT logged       |
| AuthenticationRequired    | due again after the auth pause        | kept     | paused, ALERT logged       |
| other TransientError      | backoff with jitter, FAILED at the cap| +1       | -                          |
| PermanentError            | FAILED with the reason                | +1       | -                          |
| anything else (a bug)     | backoff with jitter, FAILED at the cap| +1       | -                          |
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from codebloom.leetcode.errors import (
    AuthenticationRequired,
    Blocked,
    PermanentError,
    RateLimited,
    TransientError,
)
from codebloom.secrets import scrub
from codebloom.settings import Settings


@dataclass(frozen=True)
class Decision:
    action: str  # "reschedule" or "fail"
    delay: float
    count_attempt: bool
    error: str
    pause: tuple[float, str] | None = None  # (seconds, kind)


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: uniform in [half, full] of min(cap, base * 2^(attempt-1))."""
    full = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(full / 2, full)


def describe(exc: BaseException) -> str:
    """One line naming the error, safe to store and log (secrets scrubbed, length capped)."""
    return scrub(f"{type(exc).__name__}: {exc}")[:500]


def decide(exc: BaseException, attempts_done: int, settings: Settings) -> Decision:
    """``attempts_done`` counts attempts before this one."""
    error = describe(exc)
    if isinstance(exc, RateLimited):
        wait = exc.retry_after if exc.retry_after is not None else settings.detail_default_retry_after
        return Decision("reschedule", wait, False, error, (wait, "rate_limited"))
    if isinstance(exc, Blocked):
        wait = settings.detail_blocked_pause
        return Decision("reschedule", wait, False, error, (wait, "blocked"))
    if isinstance(exc, AuthenticationRequired):
        wait = settings.detail_auth_pause
        return Decision("reschedule", wait, False, error, (wait, "auth"))
    this_attempt = attempts_done + 1
    if isinstance(exc, PermanentError) or this_attempt >= settings.detail_max_attempts:
        return Decision("fail", 0.0, True, error)
    if isinstance(exc, TransientError):
        delay = backoff(this_attempt, settings.detail_backoff_base, settings.detail_backoff_max)
        return Decision("reschedule", delay, True, error)
    delay = backoff(this_attempt, settings.detail_backoff_base, settings.detail_backoff_max)
    return Decision("reschedule", delay, True, error)
