"""The LeetCode client against the simulator over real HTTP: typed results and typed errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from codebloom.leetcode import (
    AuthenticationRequired,
    Blocked,
    LeetCodeClient,
    NotFound,
    RateLimited,
    SchemaError,
    UpstreamError,
    UserNotFound,
)
from codebloom.leetcode.client import clamp_limit, parse_retry_after
from codebloom.leetcode.errors import DetailsUnavailable
from codebloom.secrets import Secret
from models import Difficulty
from tests.conftest import CSRF_TOKEN, SESSION_TOKEN


def client_for(url: str, timeout: float = 5.0, session: str = SESSION_TOKEN) -> LeetCodeClient:
    return LeetCodeClient(url, timeout, session=Secret(session), csrf=Secret(CSRF_TOKEN))


def fault(sim: Any, **body: Any) -> None:
    requests.post(sim.url + "/_sim/faults", json=body, timeout=5).raise_for_status()


def active_user(sim: Any, min_count: int = 5) -> str:
    """A generated user who has at least ``min_count`` accepted submissions in this world."""
    for i in range(1, 51):
        name = f"sim_user_{i:04d}"
        body = requests.get(f"{sim.url}/_sim/users/{name}/submissions", timeout=5).json()
        if len(body["submissions"] if isinstance(body, dict) else body) >= min_count:
            return name
    raise AssertionError("no active user in the simulated world")


def test_clamp_limit_and_retry_after_parsing() -> None:
    assert [clamp_limit(n) for n in (-1, 0, 1, 20, 21, 50)] == [20, 20, 1, 20, 20, 20]
    assert parse_retry_after("42") == 42
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert 0 <= parse_retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))) <= 31


def test_recent_submissions_are_typed_newest_first_and_64_bit(simulator) -> None:
    name = active_user(simulator)
    subs = client_for(simulator.url).recent_ac_submissions(name)
    truth = requests.get(f"{simulator.url}/_sim/users/{name}/submissions", timeout=5).json()
    truth = truth["submissions"] if isinstance(truth, dict) else truth
    assert [s.id for s in subs] == [int(t["id"]) for t in truth]
    assert 0 < len(subs) <= 20
    assert all(s.id > 2**31 for s in subs)
    assert [s.submitted_at for s in subs] == sorted((s.submitted_at for s in subs), reverse=True)
    assert all(s.submitted_at.tzinfo is not None for s in subs)


def test_problem_acceptance_rate_comes_from_the_stats_string(simulator) -> None:
    catalogue = requests.get(simulator.url + "/_sim/catalogue", timeout=5).json()
    row = next(p for p in catalogue if not p["titleSlug"].startswith("sim-"))
    info = client_for(simulator.url).problem(row["titleSlug"])
    assert info.difficulty == Difficulty(row["difficulty"])
    assert info.title == row["title"]
    assert abs(float(info.ac_rate) - row["acRate"]) < 0.0006  # "52.1%" has one decimal
    assert info.ac_rate.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100, 125, 200, 250, 500, 1000)


def test_missing_and_zero_acceptance_rates(simulator) -> None:
    client = client_for(simulator.url)
    assert client.problem("sim-missing-acceptance").ac_rate is None
    assert client.problem("sim-zero-acceptance").ac_rate == 0


def test_unknown_problem_and_unknown_user(simulator) -> None:
    client = client_for(simulator.url)
    with pytest.raises(NotFound, match="no problem"):
        client.problem("no-such-problem-zz")
    assert client.recent_ac_submissions("no_such_user_zz9") == []
    with pytest.raises(UserNotFound, match="does not exist"):
        client.canonical_username("no_such_user_zz9")
    assert client.canonical_username("SIM_USER_0002") == "sim_user_0002"


def test_submission_details_need_the_session(simulator) -> None:
    sub = client_for(simulator.url).recent_ac_submissions(active_user(simulator))[0]
    details = client_for(simulator.url).submission_details(sub.id)
    served = requests.get(simulator.url + "/_sim/stats", timeout=5).json()["served_details"][str(sub.id)]
    assert (details.runtime_ms, details.memory_bytes, details.language) == (
        served["runtime"], served["memory"], served["lang"])
    assert details.code and len(details.code) == served["code_length"]
    with pytest.raises(AuthenticationRequired, match="expired or invalid"):
        client_for(simulator.url, session="revoked-token").submission_details(sub.id)
    with pytest.raises(AuthenticationRequired, match="no LeetCode session"):
        LeetCodeClient(simulator.url).submission_details(sub.id)


def test_null_details_while_signed_in_is_transient(simulator) -> None:
    sub = client_for(simulator.url).recent_ac_submissions(active_user(simulator))[0]
    fault(simulator, op="submissionDetails", kind="null_details", count=1)
    with pytest.raises(DetailsUnavailable):
        client_for(simulator.url).submission_details(sub.id)


@pytest.mark.parametrize(("kind", "error", "text"), [
    ("http_429", RateLimited, "Retry-After"),
    ("html_403", Blocked, "challenge"),
    ("http_502", UpstreamError, "502"),
    ("http_499", UpstreamError, "499"),
    ("malformed_json", SchemaError, "malformed or truncated JSON"),
    ("truncated_json", SchemaError, "malformed or truncated JSON"),
    ("graphql_error", SchemaError, "GraphQL errors"),
    ("schema_400", SchemaError, "HTTP 400"),
])
def test_faults_become_typed_errors(simulator, kind, error, text) -> None:
    fault(simulator, op="recentAcSubmissionList", kind=kind, count=1, retry_after=7)
    with pytest.raises(error) as caught:
        client_for(simulator.url).recent_ac_submissions("sim_user_0001")
    assert text.lower() in str(caught.value).lower() or text == "Retry-After"
    if error is RateLimited:
        assert caught.value.retry_after == 7


def test_every_call_has_a_timeout(simulator) -> None:
    fault(simulator, op="recentAcSubmissionList", kind="timeout", count=1, hold_seconds=5)
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="no answer within"):
        client_for(simulator.url, timeout=0.5).recent_ac_submissions("sim_user_0001")
    assert time.monotonic() - started < 4


def test_changed_field_name_is_a_schema_error(simulator) -> None:
    requests.post(simulator.url + "/_sim/users", json={
        "username": "drifty", "fault": "schema_drift",
        "submissions": [{"titleSlug": "sim-zero-acceptance", "lang": "python3"}]}, timeout=5).raise_for_status()
    with pytest.raises(SchemaError, match="titleSlug"):
        client_for(simulator.url).recent_ac_submissions("drifty")


class _Capture(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Capture.seen.append({"op": body["operationName"], "headers": dict(self.headers)})
        payload = json.dumps({"data": {"recentAcSubmissionList": [], "userStatus": {"isSignedIn": False},
                                       "submissionDetails": None}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "csrftoken=rotated; Path=/")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def capture() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Capture.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_only_submission_details_send_cookies_and_csrf(capture) -> None:
    client = client_for(capture)
    client.recent_ac_submissions("someone")
    client.recent_ac_submissions("someone")  # after the server set a cookie
    with pytest.raises(AuthenticationRequired):
        client.submission_details(2_300_000_000)
    by_op = {}
    for request in _Capture.seen:
        by_op.setdefault(request["op"], []).append(request["headers"])
    assert all("Cookie" not in h and "x-csrftoken" not in h for h in by_op["recentAcSubmissions"])
    details = by_op["submissionDetails"][0]
    assert details["Cookie"] == f"LEETCODE_SESSION={SESSION_TOKEN}; csrftoken={CSRF_TOKEN}"
    assert details["x-csrftoken"] == CSRF_TOKEN
    assert details["Referer"].startswith(capture) and details["Origin"] == capture
    assert "Mozilla" in details["User-Agent"]
