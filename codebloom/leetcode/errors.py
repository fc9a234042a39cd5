"""Errors a caller can act on. Messages name the operation and never carry cookies or tokens."""

from __future__ import annotations


class LeetCodeError(Exception):
    """Base of every LeetCode client error."""

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation


class TransientError(LeetCodeError):
    """Worth retrying later."""


class PermanentError(LeetCodeError):
    """Retrying the same request will not help."""


class RateLimited(TransientError):
    """HTTP 429. ``retry_after`` is the server's Retry-After in seconds, or None when it sent none."""

    def __init__(self, operation: str, retry_after: float | None) -> None:
        hint = f"retry after {retry_after:g}s" if retry_after is not None else "no Retry-After"
        super().__init__(operation, f"rate limited by LeetCode (HTTP 429, {hint})")
        self.retry_after = retry_after


class Blocked(TransientError):
    """An HTML 403 challenge (Cloudflare) or CSRF page: we look like a bot, back off for a long time."""


class UpstreamError(TransientError):
    """5xx, 499, a timeout or a connection failure."""


class AuthenticationRequired(LeetCodeError):
    """The session cookie is missing or expired: submission details came back null while signed out."""


class DetailsUnavailable(TransientError):
    """Details came back null although the session is signed in (throttling, or not visible to us)."""


class UserNotFound(PermanentError):
    """LeetCode says the username does not exist."""


class NotFound(PermanentError):
    """The problem or submission does not exist."""


class SchemaError(PermanentError):
    """The response is not what we understand: HTTP 400 GraphQL errors, bad or truncated JSON, a field
    that changed name or type."""
