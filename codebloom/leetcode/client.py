"""LeetCode GraphQL over ``requests``.

Every call has a (connect, read) timeout. Only ``submission_details`` (and its ``userStatus`` probe) send the
session cookie, csrf token and ``x-csrftoken``; public calls go out without cookies, and cookies the server
sets are never stored. Errors are typed (see ``errors.py``) and never quote request headers.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from fractions import Fraction
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests

from codebloom.leetcode import queries
from codebloom.leetcode.errors import (
    AuthenticationRequired,
    Blocked,
    DetailsUnavailable,
    LeetCodeError,
    NotFound,
    RateLimited,
    SchemaError,
    UpstreamError,
    UserNotFound,
)
from codebloom.leetcode.types import DailyQuestion, ProblemInfo, RecentSubmission, SubmissionDetails
from codebloom.scoring import ScoringError, parse_percent, to_fraction
from codebloom.secrets import Secret
from models import Difficulty

USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0 Safari/537.36")
MAX_RECENT = 20
_OUTCOMES = {RateLimited: "rate_limited", Blocked: "blocked", UpstreamError: "upstream_error",
             SchemaError: "schema_error"}


def clamp_limit(limit: int) -> int:
    """LeetCode serves at most 20 recent accepted submissions; out-of-range asks become 20."""
    return limit if 1 <= limit <= MAX_RECENT else MAX_RECENT


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class LeetCodeClient:
    """One client per process; holds a keep-alive ``requests.Session``."""

    def __init__(self, base_url: str, timeout: float = 10.0, *, session: Secret | None = None,
                 csrf: Secret | None = None, on_call: Callable[[str, str], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.on_call = on_call  # (operation, outcome) after every HTTP call: metrics
        self.timeout = timeout
        self.session_cookie = session or Secret("")
        self.csrf = csrf or Secret("")
        self._http = requests.Session()
        self._http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self._http.headers.update({
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Referer": self.base_url + "/",
            "Origin": self.base_url,
        })

    def close(self) -> None:
        self._http.close()

    # -- public operations -------------------------------------------------------------------------

    def recent_ac_submissions(self, username: str, limit: int = MAX_RECENT) -> list[RecentSubmission]:
        op = "recentAcSubmissionList"
        data = self._post(op, queries.RECENT_AC, {"username": username, "limit": clamp_limit(limit)})
        items = _field(data, op, list)
        result = []
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise SchemaError(op, f"item {position} is {type(item).__name__}, not an object")
            if item.get("statusDisplay", "Accepted") != "Accepted":
                continue
            result.append(RecentSubmission(
                id=_int_field(item, "id", op),
                title=_str_field(item, "title", op),
                slug=_str_field(item, "titleSlug", op),
                submitted_at=datetime.fromtimestamp(_int_field(item, "timestamp", op), UTC),
                lang=item.get("lang") if isinstance(item.get("lang"), str) else None,
            ))
        return result

    def problem(self, slug: str) -> ProblemInfo:
        op = "question"
        data = self._post(op, queries.QUESTION, {"titleSlug": slug})
        node = data.get(op)
        if node is None:
            raise NotFound(op, f"no problem with slug {slug!r}")
        if not isinstance(node, dict):
            raise SchemaError(op, f"'question' is {type(node).__name__}, not an object")
        topics = node.get("topicTags") or []
        return ProblemInfo(
            slug=_str_field(node, "titleSlug", op),
            title=_str_field(node, "title", op),
            difficulty=_difficulty(node.get("difficulty"), op),
            ac_rate=_acceptance_rate(node, op),
            question_id=_opt_str(node.get("questionId")),
            frontend_id=_opt_str(node.get("questionFrontendId")),
            paid_only=bool(node.get("isPaidOnly")),
            topics=[{"name": str(t.get("name", "")), "slug": str(t.get("slug", ""))}
                    for t in topics if isinstance(t, dict)],
        )

    def submission_details(self, submission_id: int) -> SubmissionDetails:
        op = "submissionDetails"
        if not self.session_cookie:
            raise AuthenticationRequired(op, "no LeetCode session configured (set LEETCODE_SESSION)")
        data = self._post(op, queries.SUBMISSION_DETAILS, {"submissionId": submission_id},
                          authenticated=True)
        node = data.get(op)
        if node is None:
            if not self.signed_in():
                raise AuthenticationRequired(op, "LeetCode session is expired or invalid (signed out)")
            raise DetailsUnavailable(op, f"details of submission {submission_id} came back empty")
        if not isinstance(node, dict):
            raise SchemaError(op, f"'submissionDetails' is {type(node).__name__}, not an object")
        code = node.get("code")
        if not isinstance(code, str) or not code:
            raise SchemaError(op, f"submission {submission_id} has no code in its details")
        lang: dict[str, Any] = node["lang"] if isinstance(node.get("lang"), dict) else {}
        return SubmissionDetails(
            id=submission_id,
            code=code,
            runtime_ms=_opt_int(node.get("runtime")),
            runtime_display=_opt_str(node.get("runtimeDisplay")),
            runtime_percentile=_opt_float(node.get("runtimePercentile")),
            memory_bytes=_opt_int(node.get("memory")),
            memory_display=_opt_str(node.get("memoryDisplay")),
            memory_percentile=_opt_float(node.get("memoryPercentile")),
            language=_opt_str(lang.get("name")),
            language_display=_opt_str(lang.get("verboseName")),
            status_code=_opt_int(node.get("statusCode")),
        )

    def signed_in(self) -> bool:
        """Ask ``userStatus`` whether our session is still signed in."""
        op = "userStatus"
        data = self._post(op, queries.USER_STATUS, {}, authenticated=True)
        node = data.get(op)
        return isinstance(node, dict) and node.get("isSignedIn") is True

    def question_of_today(self) -> DailyQuestion:
        op = "activeDailyCodingChallengeQuestion"
        data = self._post(op, queries.QUESTION_OF_TODAY, {})
        node = _field(data, op, dict)
        question = node.get("question")
        if not isinstance(question, dict):
            raise SchemaError(op, "no 'question' in the daily challenge")
        try:
            day = date.fromisoformat(_str_field(node, "date", op))
        except ValueError:
            raise SchemaError(op, f"daily challenge date {node.get('date')!r} is not YYYY-MM-DD") from None
        return DailyQuestion(day=day, slug=_str_field(question, "titleSlug", op),
                             title=_str_field(question, "title", op),
                             difficulty=_difficulty(question.get("difficulty"), op))

    def canonical_username(self, username: str) -> str:
        """The username as LeetCode spells it; ``UserNotFound`` when it does not exist."""
        op = "matchedUser"
        data = self._post(op, queries.MATCHED_USER, {"username": username}, tolerate_errors=True)
        node = data.get(op)
        if node is None:
            raise UserNotFound(op, f"LeetCode user {username!r} does not exist")
        return _str_field(node, "username", op)

    # -- transport ---------------------------------------------------------------------------------

    def _post(self, op: str, query: str, variables: dict[str, Any], *, authenticated: bool = False,
              tolerate_errors: bool = False) -> dict[str, Any]:
        headers = {}
        if authenticated:
            cookie = f"LEETCODE_SESSION={self.session_cookie.reveal()}"
            if self.csrf:
                cookie += f"; csrftoken={self.csrf.reveal()}"
                headers["x-csrftoken"] = self.csrf.reveal()
            headers["Cookie"] = cookie
        body: dict[str, Any] = {"operationName": query.split()[1].split("(")[0], "query": query,
                                "variables": variables}
        try:
            try:
                response = self._http.post(self.base_url + "/graphql/", json=body, headers=headers,
                                           timeout=(min(self.timeout, 5.0), self.timeout), allow_redirects=False)
            except requests.Timeout:
                raise UpstreamError(op, f"no answer within {self.timeout:g}s") from None
            except requests.ConnectionError as exc:
                raise UpstreamError(op, f"connection failed ({type(exc).__name__})") from None
            data = self._decode(op, response, tolerate_errors)
        except LeetCodeError as exc:
            self._count(op, _OUTCOMES.get(type(exc), "error"))
            raise
        self._count(op, "ok")
        return data

    def _count(self, op: str, outcome: str) -> None:
        if self.on_call is not None:
            self.on_call(op, outcome)

    def _decode(self, op: str, response: requests.Response, tolerate_errors: bool) -> dict[str, Any]:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        if status == 429:
            raise RateLimited(op, parse_retry_after(response.headers.get("Retry-After")))
        if status == 403 or 300 <= status < 400:
            kind = "Cloudflare challenge" if response.headers.get("cf-mitigated") == "challenge" \
                else "HTML 403 page" if status == 403 else f"redirect (HTTP {status})"
            raise Blocked(op, f"blocked by LeetCode: {kind}")
        if status == 499 or status >= 500:
            raise UpstreamError(op, f"LeetCode answered HTTP {status}")
        if status == 400:
            raise SchemaError(op, "query rejected (HTTP 400): " + _error_messages(response))
        if status != 200:
            raise UpstreamError(op, f"unexpected HTTP {status}")
        if "html" in content_type:
            raise Blocked(op, "LeetCode answered an HTML page instead of JSON")
        try:
            payload = response.json()
        except ValueError:
            raise SchemaError(op, f"malformed or truncated JSON ({len(response.content)} bytes)") from None
        if not isinstance(payload, dict):
            raise SchemaError(op, f"response is {type(payload).__name__}, not an object")
        data = payload.get("data")
        errors = payload.get("errors")
        if errors and not tolerate_errors:
            raise SchemaError(op, "GraphQL errors: " + _messages(errors))
        if not isinstance(data, dict):
            if errors:
                return {}
            raise SchemaError(op, "response has no 'data' object")
        return data


def _error_messages(response: requests.Response) -> str:
    try:
        return _messages(response.json().get("errors"))
    except (ValueError, AttributeError):
        return f"{len(response.content)} bytes of non-JSON"


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return repr(errors)[:200]
    return "; ".join(str(e.get("message", e))[:200] if isinstance(e, dict) else str(e)[:200]
                     for e in errors[:3])


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise SchemaError(name, f"'{name}' is {type(value).__name__}, expected {kind.__name__}")
    return value


def _str_field(node: dict[str, Any], name: str, op: str) -> str:
    value = node.get(name)
    if not isinstance(value, str) or not value:
        raise SchemaError(op, f"field '{name}' is missing or not a string (schema changed?)")
    return value


def _int_field(node: dict[str, Any], name: str, op: str) -> int:
    value = node.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SchemaError(op, f"field '{name}' is missing or not a number (schema changed?)")
    try:
        return int(value)
    except ValueError:
        raise SchemaError(op, f"field '{name}'={value!r} is not a whole number") from None


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None and value != "" else None


def _opt_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _opt_float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _difficulty(value: Any, op: str) -> Difficulty:
    if isinstance(value, str):
        for member in Difficulty:
            if member.value.lower() == value.lower():
                return member
    raise SchemaError(op, f"unknown difficulty {value!r}")


def _acceptance_rate(node: dict[str, Any], op: str) -> Fraction | None:
    """From the ``stats`` JSON string ("49.4%"), else the float-percent ``acRate``; None when absent."""
    stats = node.get("stats")
    if isinstance(stats, str) and stats:
        try:
            parsed = json.loads(stats)
        except ValueError:
            raise SchemaError(op, "'stats' is not a JSON string") from None
        raw = parsed.get("acRate") if isinstance(parsed, dict) else None
        if isinstance(raw, str) and raw:
            try:
                return parse_percent(raw)
            except ScoringError as exc:
                raise SchemaError(op, str(exc)) from None
    raw = node.get("acRate")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return to_fraction(raw) / 100  # the question's top-level acRate is a float percent
    return None
