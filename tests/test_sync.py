"""The sync service on real PostgreSQL against the simulator: scoring, idempotence, isolation."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
import requests
from sqlalchemy import event, text

from codebloom import store
from codebloom.db import get_engine, session_scope
from codebloom.leetcode import Blocked, LeetCodeClient, RateLimited, UserNotFound
from codebloom.leetcode.types import ProblemInfo
from codebloom.scoring import deviation, points
from codebloom.secrets import Secret
from codebloom.services import plan
from codebloom.services.sync import SyncError, sync_user, sync_users
from models import Difficulty
from tests.conftest import CSRF_TOKEN, SESSION_TOKEN, add_users, open_board
from tests.expected import expected_points, served_rate, truth
from tests.test_client import active_user

NOW = int(time.time())


def client(sim) -> LeetCodeClient:
    return LeetCodeClient(sim.url, 5, session=Secret(SESSION_TOKEN), csrf=Secret(CSRF_TOKEN))


def script_user(sim, name: str, submissions: list[dict], fault: str | None = None) -> list[int]:
    body = {"username": name, "submissions": submissions, **({"fault": fault} if fault else {})}
    reply = requests.post(sim.url + "/_sim/users", json=body, timeout=5)
    reply.raise_for_status()
    return [int(s["id"]) for s in reply.json()["submissions"]]


def score_of(db: str, user_id: int) -> int:
    with get_engine(db).connect() as conn:
        return int(conn.execute(text("SELECT COALESCE(sum(score), 0) FROM leaderboard_score WHERE user_id = :u"),
                                {"u": user_id}).scalar())


def board_start(db: str) -> datetime:
    with session_scope(db) as session:
        return store.current_leaderboard(session)["started_at"]


def test_sync_scores_new_submissions_and_creates_one_job_each(db, simulator) -> None:
    name = active_user(simulator, 8)
    open_board(db, days_ago=5)
    [user_id] = add_users(db, [name])
    result = sync_user(db, client(simulator), user_id)
    expected_total, per_id = expected_points(simulator.url, name, board_start(db))
    assert result.new_submissions == len(truth(simulator.url, name)) == result.jobs
    assert score_of(db, user_id) == expected_total == result.points
    with get_engine(db).connect() as conn:
        stored = dict(conn.execute(text("SELECT id, points FROM submission WHERE user_id = :u"), {"u": user_id}).all())
        statuses = conn.execute(text("SELECT DISTINCT status::text FROM job")).scalars().all()
    assert stored == per_id
    assert statuses == ["INCOMPLETE"]


def test_a_second_sync_adds_nothing(db, simulator) -> None:
    name = active_user(simulator, 5)
    open_board(db)
    [user_id] = add_users(db, [name])
    first = sync_user(db, client(simulator), user_id)
    second = sync_user(db, client(simulator), user_id)
    assert (second.new_submissions, second.points, second.jobs) == (0, 0, 0)
    assert score_of(db, user_id) == first.points


def test_concurrent_syncs_of_one_user_award_points_once(db, simulator) -> None:
    name = active_user(simulator, 8)
    open_board(db)
    [user_id] = add_users(db, [name])
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(sync_user(db, client(simulator), user_id))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    expected_total, _ = expected_points(simulator.url, name, board_start(db))
    assert score_of(db, user_id) == expected_total
    assert sum(r.points for r in results) == expected_total
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job")).scalar() == len(truth(simulator.url, name))
        assert conn.execute(text("SELECT count(*) FROM user_problem WHERE user_id = :u"), {"u": user_id}).scalar() \
            == len({s["titleSlug"] for s in truth(simulator.url, name)})


def test_a_problem_scores_once_ever_and_not_before_the_board(db, simulator) -> None:
    open_board(db, days_ago=2)
    catalogue = requests.get(simulator.url + "/_sim/catalogue", timeout=5).json()
    a, b = [p["titleSlug"] for p in catalogue if not p["titleSlug"].startswith("sim-")][:2]
    ids = script_user(simulator, "scripted_one", [
        {"titleSlug": b, "lang": "cpp", "timestamp": NOW - 3 * 86400},   # before the board: 0, but claims b
        {"titleSlug": a, "lang": "python3", "timestamp": NOW - 3600},    # first solve of a: points
        {"titleSlug": a, "lang": "java", "timestamp": NOW - 60},         # later solve of a: 0
        {"titleSlug": b, "lang": "cpp", "timestamp": NOW - 30},          # b was solved before: 0
    ])
    [user_id] = add_users(db, ["scripted_one"])
    sync_user(db, client(simulator), user_id)
    with get_engine(db).connect() as conn:
        stored = dict(conn.execute(text("SELECT id, points FROM submission")).all())
    difficulty, rate = served_rate(simulator.url, a)
    by_time = dict(zip(["b_early", "a_first", "a_again", "b_again"], ids, strict=True))
    assert stored[by_time["a_first"]] == points(difficulty, rate, Fraction(1), deviation(by_time["a_first"])) > 0
    assert stored[by_time["a_again"]] == stored[by_time["b_early"]] == stored[by_time["b_again"]] == 0


def test_problem_of_the_day_multiplier_follows_the_submission_day(db, simulator) -> None:
    open_board(db, days_ago=3)
    catalogue = requests.get(simulator.url + "/_sim/catalogue", timeout=5).json()
    slug = next(p["titleSlug"] for p in catalogue if not p["titleSlug"].startswith("sim-"))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    [sid] = script_user(simulator, "potd_solver", [{"titleSlug": slug, "lang": "python3",
                                                     "timestamp": int(yesterday.timestamp())}])
    with session_scope(db) as session:
        store.upsert_problem_of_day(session, yesterday.date(), slug, "t", "Medium", Fraction("1.5"))
        store.upsert_problem_of_day(session, datetime.now(UTC).date(), "some-other", "t", "Easy", Fraction("1.3"))
    [user_id] = add_users(db, ["potd_solver"])
    sync_user(db, client(simulator), user_id)
    difficulty, rate = served_rate(simulator.url, slug)
    assert score_of(db, user_id) == points(difficulty, rate, Fraction("1.5"), deviation(sid))


def test_bad_problems_are_named_and_the_rest_is_stored(db, simulator) -> None:
    open_board(db, days_ago=3)
    catalogue = requests.get(simulator.url + "/_sim/catalogue", timeout=5).json()
    good = next(p["titleSlug"] for p in catalogue if not p["titleSlug"].startswith("sim-"))
    ids = script_user(simulator, "edge_case", [
        {"titleSlug": "sim-missing-acceptance", "lang": "python3", "timestamp": NOW - 500},
        {"titleSlug": "sim-zero-acceptance", "lang": "python3", "timestamp": NOW - 400},
        {"titleSlug": "sim-quotes-emoji-rtl", "lang": "python3", "timestamp": NOW - 300},
        {"titleSlug": good, "lang": "python3", "timestamp": NOW - 200},
    ])
    [user_id] = add_users(db, ["edge_case"])
    result = sync_user(db, client(simulator), user_id)
    assert result.new_submissions == 3
    assert any("sim-missing-acceptance" in e and "no acceptance rate" in e for e in result.errors)
    with get_engine(db).connect() as conn:
        titles = set(conn.execute(text("SELECT title FROM submission")).scalars())
        error = conn.execute(text("SELECT last_sync_error FROM users WHERE id = :u"), {"u": user_id}).scalar()
        zero = conn.execute(text("SELECT points FROM submission WHERE id = :i"), {"i": ids[1]}).scalar()
    assert 'Say "Hello" 👋 to مرحبا' in titles
    assert "no acceptance rate" in error
    assert zero > 0  # a 0% problem is the hardest there is, not an error


def test_unknown_user_and_missing_board_are_clear_errors(db, simulator) -> None:
    [user_id] = add_users(db, ["no_such_user_zz9"])
    with pytest.raises(SyncError, match="no current leaderboard"):
        sync_user(db, client(simulator), user_id)
    open_board(db)
    with pytest.raises(UserNotFound, match="does not exist"):
        sync_user(db, client(simulator), user_id)


def test_a_sync_costs_a_constant_number_of_statements(db, simulator) -> None:
    name = active_user(simulator, 15)
    open_board(db)
    [user_id, other_id] = add_users(db, [name, "warmup"])
    sync_user(db, client(simulator), user_id)  # warms the problem cache
    with get_engine(db).begin() as conn:
        conn.execute(text("TRUNCATE job, submission, user_problem"))
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    engine = get_engine(db)
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = sync_user(db, client(simulator), user_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.new_submissions >= 15
    assert len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "SELECT 1"))]) <= 4


def active_users(sim, count: int, min_count: int = 3) -> list[str]:
    """``count`` different generated users with at least ``min_count`` accepted submissions each."""
    names = []
    for i in range(1, 200):
        name = f"sim_user_{i:04d}"
        if len(truth(sim.url, name)) >= min_count:
            names.append(name)
        if len(names) == count:
            return names
    raise AssertionError(f"fewer than {count} active users in the simulated world")


def count_statements(db: str) -> tuple[list[str], object]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")):
            statements.append(statement)

    event.listen(get_engine(db), "before_cursor_execute", count)
    return statements, count


def test_a_batch_costs_one_statement_per_user_plus_two(db, simulator) -> None:
    names = active_users(simulator, 6)
    open_board(db)
    user_ids = add_users(db, names)
    sync_users(db, client(simulator), user_ids)  # warms the problem cache
    with get_engine(db).begin() as conn:
        conn.execute(text("TRUNCATE job, submission, user_problem, leaderboard_score"))
    statements, count = count_statements(db)
    try:
        outcome = sync_users(db, client(simulator), user_ids)
    finally:
        event.remove(get_engine(db), "before_cursor_execute", count)
    assert sorted(outcome.results) == sorted(user_ids) and not outcome.errors
    assert sum(r.new_submissions for r in outcome.results.values()) >= 6 * 3
    # one context read for all, one problem-cache read for all, one ingest per user
    assert len(statements) == len(user_ids) + 2, statements


def test_one_bad_user_in_a_batch_stays_on_that_user(db, simulator) -> None:
    good = active_user(simulator, 4)
    script_user(simulator, "challenged", [{"titleSlug": "sim-zero-acceptance", "lang": "cpp"}], fault="html_403")
    script_user(simulator, "unscorable", [{"titleSlug": "sim-missing-acceptance", "lang": "cpp", "timestamp": NOW},
                                          {"titleSlug": "sim-zero-acceptance", "lang": "cpp", "timestamp": NOW - 9}])
    open_board(db)
    good_id, challenged_id, unscorable_id = add_users(db, [good, "challenged", "unscorable"])
    outcome = sync_users(db, client(simulator), [challenged_id, 999_999, good_id, unscorable_id])
    assert isinstance(outcome.errors[challenged_id], Blocked)
    assert isinstance(outcome.errors[999_999], SyncError) and "does not exist" in str(outcome.errors[999_999])
    assert outcome.results[good_id].new_submissions == len(truth(simulator.url, good))
    partial = outcome.results[unscorable_id]
    assert partial.new_submissions == 1 and "no acceptance rate" in partial.errors[0]
    assert score_of(db, good_id) == expected_points(simulator.url, good, board_start(db))[0]


def test_a_429_ends_the_batch_instead_of_hammering(db, simulator) -> None:
    names = active_users(simulator, 4)
    open_board(db)
    user_ids = add_users(db, names)
    requests.post(simulator.url + "/_sim/stats/reset", json={}, timeout=5)
    requests.post(simulator.url + "/_sim/rate-limits", timeout=5,
                  json={"recentAcSubmissionList": {"limit": 2, "window": 60}}).raise_for_status()
    outcome = sync_users(db, client(simulator), user_ids)
    assert sorted(outcome.results) == user_ids[:2]
    assert isinstance(outcome.stopped_by, RateLimited)
    assert set(outcome.errors) == set(user_ids[2:]) and all(e is outcome.stopped_by for e in outcome.errors.values())
    stats = requests.get(simulator.url + "/_sim/stats", timeout=5).json()
    assert stats["calls"]["recentAcSubmissionList"] == 3  # two served, one 429, then no more


def test_a_cycle_is_planned_in_batches_spread_over_the_window(db) -> None:
    open_board(db)
    user_ids = add_users(db, [f"planned_{i}" for i in range(5)])
    sent: list[tuple[list[int], float]] = []
    planned = plan.plan_sync(db, 1800, 90, 2, enqueue=lambda group, delay: sent.append((group, delay)), slot=7)
    assert sorted(planned) == sorted(user_ids)
    assert [len(group) for group, _ in sent] == [2, 2, 1]
    assert sorted(u for group, _ in sent for u in group) == sorted(user_ids)
    assert [delay for _, delay in sent] == [0.0, 30.0, 60.0]
    assert plan.plan_sync(db, 1800, 90, 2, enqueue=lambda group, delay: sent.append((group, delay)), slot=7) == []


def ingest_plan_nodes(conn, params: dict) -> list[tuple[str, str]]:  # noqa: ANN001
    """(node type, relation) of every node of the plan this connection would run the ingest with now: the
    cached plan of the server-side prepared statement psycopg made of it, through EXPLAIN EXECUTE."""
    from psycopg import sql

    name = conn.execute(text("SELECT name FROM pg_prepared_statements WHERE statement LIKE '%first_solve AS%'")
                        ).scalar_one()
    raw = conn.connection.dbapi_connection
    explain = sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}({})").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.Literal(params[k]) for k in ("rows", "uid", "board", "error",
                                                                                  "status")))
    [[plan]] = raw.execute(explain).fetchone()

    def walk(node: dict) -> list[tuple[str, str]]:
        return [(node["Node Type"], node.get("Relation Name", ""))] + [
            n for child in node.get("Plans", []) for n in walk(child)]

    return walk(plan["Plan"])


def grow_me(i: int, at: datetime) -> store.IncomingSubmission:
    return store.IncomingSubmission(id=9_000_000_000 + i, slug="grow-me", title="Grow me", difficulty="Easy",
                                    ac_rate=Fraction(1, 2), multiplier=Fraction(1), submitted_at=at,
                                    lang="python3", potential_points=10)


def grower(db: str) -> tuple[int, int]:
    """A board and a user, and the problem their submissions are for; returns (board id, user id)."""
    board = open_board(db)
    [user_id] = add_users(db, ["grower"])
    with session_scope(db) as session:
        store.upsert_problems(session, [ProblemInfo(slug="grow-me", title="Grow me", difficulty=Difficulty.EASY,
                                                    ac_rate=Fraction(1, 2))])
    return board, user_id


def rows_filtered_out(plan: dict, relation: str) -> int:
    """Rows that the nodes reading ``relation`` looked at and threw away (EXPLAIN ANALYZE, JSON)."""
    own = (plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
           if plan.get("Relation Name") == relation else 0)
    return own + sum(rows_filtered_out(child, relation) for child in plan.get("Plans", []))


def test_finding_the_open_sync_run_does_not_read_the_users_history(db) -> None:
    """Every ingest finishes the user's open sync run; a user gains a finished run every cycle (17,520 a year),
    and the ingest must not look through them all to find the open one."""
    board, user_id = grower(db)
    with get_engine(db).begin() as conn:
        conn.execute(text("INSERT INTO sync_run (user_id, slot, status, finished_at) "
                          "SELECT :u, g, 'ok', now() FROM generate_series(1, 5000) g"), {"u": user_id})
        conn.execute(text("INSERT INTO sync_run (user_id, slot) VALUES (:u, 5001)"), {"u": user_id})
        conn.execute(text("ANALYZE sync_run"))
    with get_engine(db).connect() as conn:
        [[plan]] = conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + store.INGEST_SQL.text),
                                store.ingest_parameters(user_id, board, [grow_me(1, datetime.now(UTC))])).all()
        conn.rollback()
    assert rows_filtered_out(plan[0]["Plan"], "sync_run") == 0


def test_the_ingest_is_planned_for_the_table_it_runs_on_not_the_one_it_was_prepared_on(db) -> None:
    """psycopg prepares a statement after 5 runs and PostgreSQL then keeps a generic plan, chosen with the
    statistics of that moment. The ingest is first prepared when `submission` is nearly empty, where a hash
    anti join over a sequential scan of `submission` is cheapest; kept as the table grows, that plan reads
    every stored submission for every user synced (10,000 users: 28 ms a user at 38,000 rows, and rising).
    The ingest must stay on the primary key however much the table grows after the plan was made."""
    from codebloom.db import autocommit_connection

    board, user_id = grower(db)
    now = datetime.now(UTC)

    with autocommit_connection(db) as conn:
        conn.execute(text("ALTER TABLE submission SET (autovacuum_enabled = off)"))  # no ANALYZE behind our back
        for i in range(12):  # prepared after 5 runs; PostgreSQL settles on a plan after 5 more
            store.ingest_submissions(conn, user_id, board, [grow_me(i, now)])
        conn.execute(text(
            "INSERT INTO submission (id, user_id, leaderboard_id, slug, title, difficulty, ac_rate, submitted_at, "
            "points) SELECT 8_000_000_000 + g, :u, :b, 'grow-me', 't', 'Easy', 0.5, now(), 0 "
            "FROM generate_series(1, 50000) g"), {"u": user_id, "b": board})
        nodes = ingest_plan_nodes(conn, {"rows": f'[{{"id": 7, "slug": "grow-me", "title": "t", "difficulty": '
                                                  f'"Easy", "ac_rate": "0.5", "multiplier": "1", "submitted_at": '
                                                  f'"{now.isoformat()}", "lang": "c", "potential": 1}}]',
                                         "uid": user_id, "board": board, "error": None, "status": "ok"})
        conn.execute(text("ALTER TABLE submission RESET (autovacuum_enabled)"))
    assert ("Seq Scan", "submission") not in nodes, nodes


def test_the_ingest_commits_without_waiting_for_the_wal_flush_in_its_own_transaction_only(db) -> None:
    """A crash may lose the ingest whole (one statement) and the next cycle redoes it, so it does not wait for the
    disk; nothing else on the connection is affected. Looked at inside a transaction of our own."""
    board = open_board(db)
    [user] = add_users(db, ["wal_user"])
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
        store.ingest_submissions(conn, user, board, [])
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "off"
        conn.rollback()
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
