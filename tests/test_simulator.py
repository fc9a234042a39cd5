"""Tests for the LeetCode-compatible GraphQL simulator (real HTTP on a free port)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from codebloom.simulator import SimulatorConfig, config_from_args, start_in_thread
from codebloom.simulator.server import RunningSimulator

FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z
REFERER = {"Referer": "https://leetcode.com/"}
AUTH = {**REFERER, "Cookie": "LEETCODE_SESSION=sim-session-token; csrftoken=sim-csrf-token"}

RECENT = """query recentAcSubmissions($username: String!, $limit: Int!) {
  recentAcSubmissionList(username: $username, limit: $limit) { id title titleSlug timestamp statusDisplay lang }
}"""
DETAILS = """query submissionDetails($submissionId: Int!) {
  submissionDetails(submissionId: $submissionId) {
    id runtime runtimeDisplay runtimePercentile runtimeDistribution memory memoryDisplay memoryPercentile
    memoryDistribution code timestamp statusCode
    user { username profile { realName userAvatar } }
    lang { name verboseName }
    question { questionId titleSlug hasFrontendPreview }
    notes flagType topicTags { tagId slug name } runtimeError compileError lastTestcase codeOutput
    expectedOutput totalCorrect totalTestcases fullCodeOutput testDescriptions testBodies testInfo stdOutput
  }
}"""
QUESTION = """query questionData($titleSlug: String!) {
  question(titleSlug: $titleSlug) {
    questionId questionFrontendId title titleSlug categoryTitle content difficulty isPaidOnly likes dislikes
    acRate stats topicTags { name slug translatedName } hints similarQuestions exampleTestcases
  }
}"""
PROFILE = """query userPublicProfile($username: String!) {
  matchedUser(username: $username) {
    username
    profile { realName userAvatar ranking }
    submitStats: submitStatsGlobal { acSubmissionNum { difficulty count submissions } }
  }
}"""
DAILY = """query questionOfToday {
  activeDailyCodingChallengeQuestion { date userStatus link question { questionId titleSlug acRate stats } }
}"""
STATUS = "query globalData { userStatus { userId username isSignedIn isPremium } }"


def gql(sim: RunningSimulator, query: str, variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None, timeout: float = 5.0) -> requests.Response:
    """POST a GraphQL request."""
    body = {"query": query, "variables": variables or {}}
    return requests.post(sim.url + "/graphql/", json=body, headers=REFERER if headers is None else headers,
                         timeout=timeout)


def recent(sim: RunningSimulator, username: str, limit: int = 20) -> list[dict[str, Any]]:
    """recentAcSubmissionList items."""
    r = gql(sim, RECENT, {"username": username, "limit": limit})
    assert r.status_code == 200, r.text
    return r.json()["data"]["recentAcSubmissionList"]


def details(sim: RunningSimulator, sid: int | str, headers: dict[str, str] | None = None) -> Any:
    """submissionDetails value (None when null)."""
    r = gql(sim, DETAILS, {"submissionId": int(sid)}, headers=AUTH if headers is None else headers)
    assert r.status_code == 200, r.text
    return r.json()["data"]["submissionDetails"]


def admin(sim: RunningSimulator, method: str, path: str, body: Any = None) -> Any:
    """Call an admin endpoint and return its JSON."""
    r = requests.request(method, sim.url + path, json=body, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def start(**kw: Any) -> RunningSimulator:
    """A simulator on a free port with a frozen clock."""
    kw.setdefault("frozen_at", FROZEN)
    kw.setdefault("users", 200)
    return start_in_thread(SimulatorConfig(port=0, **kw))


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    s = start()
    yield s
    s.stop()


@pytest.fixture()
def fresh() -> Iterator[RunningSimulator]:
    s = start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def busy_user(sim: RunningSimulator) -> str:
    """A generated user with more than 20 ACs in the window."""
    for i in range(1, 201):
        name = f"sim_user_{i:04d}"
        if len(admin(sim, "GET", f"/_sim/users/{name}/submissions?limit=20")) == 20:
            return name
    raise AssertionError("no busy user")


# ---- recentAcSubmissionList ---------------------------------------------------------------------
def test_recent_list_shape_clamp_and_order(sim: RunningSimulator, busy_user: str) -> None:
    items = recent(sim, busy_user, 50)
    assert len(items) == 20
    for it in items:
        assert set(it) == {"id", "title", "titleSlug", "timestamp", "statusDisplay", "lang"}
        assert isinstance(it["id"], str) and isinstance(it["timestamp"], str)
        assert it["statusDisplay"] == "Accepted" and int(it["timestamp"]) <= FROZEN
        assert not it["titleSlug"].startswith("sim-")
    stamps = [int(it["timestamp"]) for it in items]
    assert stamps == sorted(stamps, reverse=True)
    assert [int(i["id"]) for i in items] == sorted((int(i["id"]) for i in items), reverse=True)
    assert recent(sim, busy_user, 5) == items[:5]
    assert recent(sim, busy_user, 0) == items
    assert admin(sim, "GET", f"/_sim/users/{busy_user}/submissions?limit=20") == items


def test_selection_and_alias(sim: RunningSimulator, busy_user: str) -> None:
    q = "query q($u: String!) { list: recentAcSubmissionList(username: $u, limit: 3) { id slug: titleSlug } }"
    r = gql(sim, q, {"u": busy_user})
    items = r.json()["data"]["list"]
    assert len(items) == 3 and all(set(i) == {"id", "slug"} for i in items)


def test_ids_above_int32_and_unique(sim: RunningSimulator) -> None:
    ids = [int(it["id"]) for i in range(1, 60) for it in recent(sim, f"sim_user_{i:04d}")]
    assert ids and len(ids) == len(set(ids))
    assert all(x > 2**31 and len(str(x)) >= 10 for x in ids)


def test_user_mix_is_heavy_tailed(sim: RunningSimulator) -> None:
    world = sim.world
    rates = [world.rate(i) for i in range(1, 1001)]
    assert 50 <= sum(r <= 0.05 for r in rates) <= 160
    assert 20 <= sum(r >= 10 for r in rates) <= 90


# ---- determinism ------------------------------------------------------------------------------------
def test_same_seed_same_world_and_stateless_details(sim: RunningSimulator, busy_user: str) -> None:
    items = recent(sim, busy_user)
    first = details(sim, items[3]["id"])
    other = start()  # a "restart": nothing served yet
    try:
        assert details(other, items[3]["id"]) == first
        assert recent(other, busy_user) == items
    finally:
        other.stop()
    assert first["id"] == int(items[3]["id"]) and first["timestamp"] == int(items[3]["timestamp"])
    assert first["question"]["titleSlug"] == items[3]["titleSlug"]
    assert first["lang"]["name"] == items[3]["lang"]
    assert first["statusCode"] == 10 and first["runtimeDisplay"] == f"{first['runtime']} ms"
    assert first["memoryDisplay"] == f"{first['memory'] / 1e6:.1f} MB"
    assert json.loads(first["runtimeDistribution"])["lang"] == first["lang"]["name"]


def test_different_seed_differs(sim: RunningSimulator) -> None:
    other = start(seed=7)
    try:
        a = [recent(sim, f"sim_user_{i:04d}") for i in range(1, 20)]
        b = [recent(other, f"sim_user_{i:04d}") for i in range(1, 20)]
        assert a != b
    finally:
        other.stop()


def test_unknown_and_future_ids_are_null(sim: RunningSimulator) -> None:
    assert details(sim, 12345) is None
    assert details(sim, 2_200_000_000 + 10**15) is None


# ---- auth, session, CSRF -------------------------------------------------------------------------------
def test_details_need_session_cookie_and_revocation(fresh: RunningSimulator, busy_user: str) -> None:
    sid = recent(fresh, busy_user)[0]["id"]
    assert details(fresh, sid, headers=REFERER) is None
    bad = {**REFERER, "Cookie": "LEETCODE_SESSION=nope"}
    assert details(fresh, sid, headers=bad) is None
    assert details(fresh, sid) is not None
    assert gql(fresh, STATUS, headers=AUTH).json()["data"]["userStatus"]["isSignedIn"] is True
    admin(fresh, "POST", "/_sim/session", {"token": "new-token", "csrf": "new-csrf"})
    assert details(fresh, sid) is None
    signed_out = gql(fresh, STATUS, headers=AUTH).json()["data"]["userStatus"]
    assert signed_out == {"userId": None, "username": "", "isSignedIn": False, "isPremium": None}
    assert details(fresh, sid, headers={**REFERER, "Cookie": "LEETCODE_SESSION=new-token"}) is not None


def test_csrf_403_when_cookie_without_referer(sim: RunningSimulator) -> None:
    r = gql(sim, STATUS, headers={"Cookie": "LEETCODE_SESSION=sim-session-token"})
    assert r.status_code == 403 and "CSRF verification failed" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert gql(sim, STATUS, headers={}).status_code == 200  # anonymous without Referer is fine


def test_require_referer_always() -> None:
    s = start(require_referer_always=True)
    try:
        assert gql(s, STATUS, headers={}).status_code == 403
        assert gql(s, STATUS).status_code == 200
    finally:
        s.stop()


# ---- question, daily, matchedUser ---------------------------------------------------------------------------
def test_question_shapes(sim: RunningSimulator) -> None:
    cat = admin(sim, "GET", "/_sim/catalogue")
    p = next(x for x in cat if not x["paidOnly"] and not x["titleSlug"].startswith("sim-"))
    r = gql(sim, QUESTION, {"titleSlug": p["titleSlug"]})
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Server"] == "cloudflare" and r.headers["CF-Cache-Status"] == "DYNAMIC"
    q = r.json()["data"]["question"]
    stats = json.loads(q["stats"])
    assert stats["acRate"] == f"{p['acRate'] * 100:.1f}%"
    assert q["acRate"] == pytest.approx(p["acRate"] * 100)
    assert stats["totalAcceptedRaw"] == p["totalAccepted"] and isinstance(stats["totalAccepted"], str)
    assert q["questionId"] == p["questionId"] and q["questionFrontendId"] == p["questionFrontendId"]
    assert isinstance(json.loads(q["similarQuestions"]), list) and q["content"].startswith("<p>")
    assert all(set(t) == {"name", "slug", "translatedName"} for t in q["topicTags"])
    paid = next(x for x in cat if x["paidOnly"])
    assert gql(sim, QUESTION, {"titleSlug": paid["titleSlug"]}).json()["data"]["question"]["content"] is None
    assert sum(x["questionId"] != x["questionFrontendId"] for x in cat) > 50


def test_special_questions(sim: RunningSimulator) -> None:
    zero = gql(sim, QUESTION, {"titleSlug": "sim-zero-acceptance"}).json()["data"]["question"]
    assert zero["title"] == "Zero Acceptance Challenge" and zero["acRate"] == 0.0
    assert json.loads(zero["stats"])["acRate"] == "0.0%"
    missing = gql(sim, QUESTION, {"titleSlug": "sim-missing-acceptance"}).json()["data"]["question"]
    assert missing["acRate"] is None and "acRate" not in json.loads(missing["stats"])
    emoji = gql(sim, QUESTION, {"titleSlug": "sim-quotes-emoji-rtl"}).json()["data"]["question"]
    assert emoji["title"] == 'Say "Hello" 👋 to مرحبا'


def test_unknown_slug_and_schema_error(sim: RunningSimulator) -> None:
    r = gql(sim, QUESTION, {"titleSlug": "no-such-problem"})
    assert r.status_code == 200 and r.json() == {"data": {"question": None}}
    r = gql(sim, "query q($s: String!) { question(titleSlug: $s) { frontendQuestionId } }", {"s": "x"})
    assert r.status_code == 400 and "data" not in r.json()
    assert 'Cannot query field "frontendQuestionId" on type "QuestionNode"' in r.json()["errors"][0]["message"]


def test_daily(sim: RunningSimulator) -> None:
    d = gql(sim, DAILY).json()["data"]["activeDailyCodingChallengeQuestion"]
    assert d["date"] == "2026-01-01" and d["userStatus"] == "NotStart"
    assert d["link"] == f"/problems/{d['question']['titleSlug']}/"
    assert not d["question"]["titleSlug"].startswith("sim-")


def test_unknown_user_and_matched_user(sim: RunningSimulator) -> None:
    assert recent(sim, "no_such_user_zz9") == []
    r = gql(sim, PROFILE, {"username": "no_such_user_zz9"})
    body = r.json()
    assert r.status_code == 200 and body["data"] == {"matchedUser": None}
    assert body["errors"][0]["message"] == "That user does not exist."
    assert body["errors"][0]["path"] == ["matchedUser"]
    mu = gql(sim, PROFILE, {"username": "SIM_USER_0001"}).json()["data"]["matchedUser"]
    assert mu["username"] == "sim_user_0001"
    rows = mu["submitStats"]["acSubmissionNum"]
    assert [x["difficulty"] for x in rows] == ["All", "Easy", "Medium", "Hard"]
    assert rows[0]["count"] == sum(x["count"] for x in rows[1:])
    assert recent(sim, "Sim_User_0001") == recent(sim, "sim_user_0001")


def test_bad_requests(sim: RunningSimulator) -> None:
    r = requests.post(sim.url + "/graphql", data=b"not json", headers=REFERER, timeout=5)
    assert r.status_code == 400 and r.json() == {"errors": [{"message": "Must provide query string."}]}
    r = requests.post(sim.url + "/graphql", json={"variables": {}}, headers=REFERER, timeout=5)
    assert r.status_code == 400
    r = gql(sim, "{ somethingElse { id } }")
    assert r.status_code == 400 and "data" not in r.json()
    assert r.json()["errors"][0]["message"] == 'Cannot query field "somethingElse" on type "Query".'


# ---- rate limits, stats, timeline ----------------------------------------------------------------------------
def test_rate_limit_429_and_stats() -> None:
    s = start(rate_limits={"question": (3, 60.0)})
    try:
        codes = [gql(s, QUESTION, {"titleSlug": "sim-zero-acceptance"}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = gql(s, QUESTION, {"titleSlug": "sim-zero-acceptance"})
        assert r.status_code == 429
        wait = int(r.headers["Retry-After"])
        assert 1 <= wait <= 60
        assert r.json() == {"detail": f"Request was throttled. Expected available in {wait} seconds."}
        assert gql(s, STATUS).status_code == 200  # other ops are not limited
        st = admin(s, "GET", "/_sim/stats")
        assert st["calls"]["question"] == 4 and st["served"]["question"] == 3
        assert st["rate_limited"]["question"] == 1
        assert sum(st["timeline"]["question"].values()) == 4
        assert all(k.isdigit() for k in st["timeline"]["question"])
        admin(s, "POST", "/_sim/rate-limits", {"question": None})
        assert gql(s, QUESTION, {"titleSlug": "sim-zero-acceptance"}).status_code == 200
        admin(s, "POST", "/_sim/rate-limits", {"question": {"limit": 0, "window": 5}})
        assert gql(s, QUESTION, {"titleSlug": "x"}).status_code == 429
        admin(s, "POST", "/_sim/stats/reset")
        assert admin(s, "GET", "/_sim/stats")["calls"] == {}
    finally:
        s.stop()


def test_fixed_retry_after_and_cli_parsing(tmp_path: Path) -> None:
    cfg = config_from_args(["--port", "0", "--rate-limit", "submissionDetails=20/60", "--retry-after", "7",
                            "--frozen-at", str(FROZEN), "--users", "12", "--require-referer-always"])
    assert cfg.rate_limits == {"submissionDetails": (20, 60.0)} and cfg.retry_after == 7
    assert cfg.users == 12 and cfg.frozen_at == FROZEN and cfg.require_referer_always
    s = start(rate_limits={"userStatus": (1, 30.0)}, retry_after=7)
    try:
        gql(s, STATUS)
        r = gql(s, STATUS)
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    finally:
        s.stop()


def test_served_details_in_stats(fresh: RunningSimulator, busy_user: str) -> None:
    sid = recent(fresh, busy_user)[0]["id"]
    d = details(fresh, sid)
    info = admin(fresh, "GET", "/_sim/stats")["served_details"][sid]
    assert info["runtime"] == d["runtime"] and info["memory"] == d["memory"]
    assert info["code_length"] == len(d["code"]) and info["lang"] == d["lang"]["name"]
    assert info["code_sha256"] == hashlib.sha256(d["code"].encode()).hexdigest()


# ---- faults ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["http_429", "html_403", "http_502", "http_499", "malformed_json",
                                  "truncated_json", "null_details", "graphql_error", "schema_400"])
def test_fault_kinds(fresh: RunningSimulator, busy_user: str, kind: str) -> None:
    sid = recent(fresh, busy_user)[0]["id"]
    admin(fresh, "POST", "/_sim/faults", {"op": "submissionDetails", "kind": kind, "count": 1, "retry_after": 3})
    r = gql(fresh, DETAILS, {"submissionId": int(sid)}, headers=AUTH)
    expected = {"http_429": 429, "html_403": 403, "http_502": 502, "http_499": 499, "schema_400": 400}
    assert r.status_code == expected.get(kind, 200)
    if kind == "http_429":
        assert r.headers["Retry-After"] == "3" and "throttled" in r.json()["detail"]
    elif kind == "html_403":
        assert r.headers["cf-mitigated"] == "challenge" and "Just a moment..." in r.text
        assert r.headers["Content-Type"].startswith("text/html")
    elif kind == "http_502":
        assert "502 Bad Gateway" in r.text
    elif kind == "http_499":
        assert r.content == b""
    elif kind in ("malformed_json", "truncated_json"):
        with pytest.raises(ValueError):
            json.loads(r.text)
        if kind == "truncated_json":
            assert r.text.startswith('{"data": {"submissionDetails": {')
    elif kind == "null_details":
        assert r.json() == {"data": {"submissionDetails": None}}
    elif kind == "graphql_error":
        assert r.json()["data"] is None and r.json()["errors"]
    else:
        assert "Cannot query field" in r.json()["errors"][0]["message"] and "data" not in r.json()
    # consumed: the next call is normal, and the stats show one injected fault
    assert details(fresh, sid)["id"] == int(sid)
    st = admin(fresh, "GET", "/_sim/stats")
    assert st["faults_injected"]["submissionDetails"] == 1 and st["calls"]["submissionDetails"] == 2


def test_fault_count_and_clear(fresh: RunningSimulator) -> None:
    admin(fresh, "POST", "/_sim/faults", {"op": "userStatus", "kind": "http_502", "count": 2})
    assert [gql(fresh, STATUS).status_code for _ in range(3)] == [502, 502, 200]
    admin(fresh, "POST", "/_sim/faults", {"op": "userStatus", "kind": "http_499", "count": None})
    assert [gql(fresh, STATUS).status_code for _ in range(3)] == [499, 499, 499]
    admin(fresh, "DELETE", "/_sim/faults")
    assert gql(fresh, STATUS).status_code == 200


def test_timeout_fault(fresh: RunningSimulator) -> None:
    admin(fresh, "POST", "/_sim/faults", {"op": "userStatus", "kind": "timeout", "count": 1, "hold_seconds": 1})
    with pytest.raises(requests.exceptions.Timeout):
        gql(fresh, STATUS, timeout=0.3)
    assert gql(fresh, STATUS).status_code == 200  # server still answers meanwhile


def test_latency(fresh: RunningSimulator) -> None:
    admin(fresh, "POST", "/_sim/latency", {"ms": 150})
    t = time.monotonic()
    gql(fresh, STATUS)
    assert time.monotonic() - t >= 0.14
    t = time.monotonic()
    admin(fresh, "GET", "/_sim/health")
    assert time.monotonic() - t < 0.14


# ---- scripted users -------------------------------------------------------------------------------------------------
def test_scripted_user_with_code_bytes(fresh: RunningSimulator) -> None:
    subs = [
        {"titleSlug": "sim-zero-acceptance", "lang": "python3", "timestamp": FROZEN - 100, "codeBytes": 1048576},
        {"titleSlug": "sim-quotes-emoji-rtl", "lang": "rust", "timestamp": FROZEN - 50},
        {"titleSlug": "sim-missing-acceptance", "lang": "cpp", "timestamp": FROZEN + 3600},  # in the future
    ]
    reg = admin(fresh, "POST", "/_sim/users", {"username": "edge_case_1", "submissions": subs})
    assert reg["username"] == "edge_case_1" and len(reg["submissions"]) == 3
    ids = [int(s["id"]) for s in reg["submissions"]]
    assert ids == sorted(ids) and all(x > 2**31 for x in ids)
    items = recent(fresh, "EDGE_CASE_1")
    assert [i["titleSlug"] for i in items] == ["sim-quotes-emoji-rtl", "sim-zero-acceptance"]
    assert items[0]["title"] == 'Say "Hello" 👋 to مرحبا'
    big = details(fresh, items[1]["id"])
    assert len(big["code"].encode("utf-8")) == 1048576
    assert big["user"]["username"] == "edge_case_1"
    assert details(fresh, reg["submissions"][2]["id"]) is None  # not made yet
    admin(fresh, "POST", "/_sim/clock", {"frozen_at": FROZEN + 7200})
    assert len(recent(fresh, "edge_case_1")) == 3
    mu = gql(fresh, PROFILE, {"username": "Edge_Case_1"}).json()["data"]["matchedUser"]
    assert mu["username"] == "edge_case_1"


@pytest.mark.parametrize("fault", ["html_403", "truncated_json", "graphql_error", "schema_drift", "http_502"])
def test_scripted_user_faults(fresh: RunningSimulator, fault: str) -> None:
    admin(fresh, "POST", "/_sim/users", {"username": "broken", "fault": fault,
                                         "submissions": [{"titleSlug": "sim-zero-acceptance",
                                                          "timestamp": FROZEN - 10}]})
    r = gql(fresh, RECENT, {"username": "broken", "limit": 20})
    if fault == "html_403":
        assert r.status_code == 403 and r.headers["cf-mitigated"] == "challenge"
    elif fault == "http_502":
        assert r.status_code == 502
    elif fault == "truncated_json":
        with pytest.raises(ValueError):
            r.json()
    elif fault == "graphql_error":
        assert r.json()["data"] is None
    else:
        item = r.json()["data"]["recentAcSubmissionList"][0]
        assert "title_slug" in item and "titleSlug" not in item
    other = gql(fresh, RECENT, {"username": "sim_user_0001", "limit": 20})
    assert other.status_code == 200 and other.json()["data"]["recentAcSubmissionList"] is not None


# ---- clock, catalogue, CLI -------------------------------------------------------------------------------------------
def test_clock_advances_world(fresh: RunningSimulator, busy_user: str) -> None:
    before = recent(fresh, busy_user)
    admin(fresh, "POST", "/_sim/clock", {"frozen_at": FROZEN + 2 * 86400})
    after = recent(fresh, busy_user)
    assert int(after[0]["timestamp"]) > FROZEN and after != before
    assert admin(fresh, "GET", "/_sim/stats")["world_now"] == FROZEN + 2 * 86400
    admin(fresh, "POST", "/_sim/clock", {"frozen_at": None, "speed": 60.0})
    now = admin(fresh, "GET", "/_sim/clock")
    assert now["frozen"] is False and now["world_now"] >= FROZEN + 2 * 86400


def test_catalogue_file(tmp_path: Path) -> None:
    rows = [
        {"questionId": str(100 + i), "questionFrontendId": str(i), "title": f"Tiny {i}", "titleSlug": f"tiny-{i}",
         "difficulty": "Easy", "acRate": 0.5, "paidOnly": False, "topicTags": [], "totalAccepted": 5,
         "totalSubmission": 10}
        for i in range(1, 4)
    ]
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(rows))
    cfg = config_from_args(["--port", "0", "--catalogue", str(path), "--frozen-at", str(FROZEN), "--users", "30"])
    s = start_in_thread(cfg)
    try:
        assert admin(s, "GET", "/_sim/catalogue") == rows
        slugs = {it["titleSlug"] for i in range(1, 31) for it in recent(s, f"sim_user_{i:04d}")}
        assert slugs and slugs <= {"tiny-1", "tiny-2", "tiny-3"}
        assert recent(s, "sim_user_0031") == []
    finally:
        s.stop()


def test_builtin_catalogue_shape(sim: RunningSimulator) -> None:
    cat = admin(sim, "GET", "/_sim/catalogue")
    assert 280 <= len(cat) <= 320 and len({c["titleSlug"] for c in cat}) == len(cat)
    diffs = [c["difficulty"] for c in cat]
    assert 0.2 < diffs.count("Easy") / len(cat) < 0.3 and 0.45 < diffs.count("Medium") / len(cat) < 0.55
    assert any("'" in c["title"] for c in cat) and any("?" in c["title"] for c in cat)
    assert any("(x, n)" in c["title"] for c in cat)
    assert all(c["acRate"] is None or 0 <= c["acRate"] <= 1 for c in cat)


def test_module_entry_point_and_sigterm() -> None:
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "codebloom.simulator", "--port", "0", "--users", "10"],
                            cwd=root, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("simulator listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert requests.get(url + "/_sim/health", timeout=5).json() == {"ok": True}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
