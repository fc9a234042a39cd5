"""Alembic from an empty database and back, and the NOTIFY trigger's payload."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import text

from codebloom import embedded
from codebloom.db import dispose_engines, get_engine, libpq_url
from codebloom.migrate import downgrade, upgrade
from models import JOB_CHANNEL
from tests.conftest import Services, add_users, open_board


@pytest.fixture
def scratch_db(services: Services):
    name = f"codebloom_scratch_{uuid.uuid4().hex[:8]}"
    embedded.create_database(services.admin_url, name)
    base, _, query = services.admin_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    yield url
    dispose_engines()
    embedded.drop_database(services.admin_url, name)


def _tables(url: str) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())


def test_upgrade_from_empty_downgrade_to_base_and_again(scratch_db: str) -> None:
    upgrade(scratch_db)
    assert {"users", "leaderboard", "leaderboard_score", "submission", "problem", "problem_of_day", "job",
            "user_problem", "sync_run"} <= _tables(scratch_db)
    downgrade(scratch_db, "base")
    assert _tables(scratch_db) <= {"alembic_version"}
    with get_engine(scratch_db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_type WHERE typname IN ('job_status', 'difficulty')")
                            ).scalar() == 0
    upgrade(scratch_db)
    assert "job" in _tables(scratch_db)


def test_submission_ids_are_64_bit_and_usernames_unique_ignoring_case(db: str) -> None:
    add_users(db, ["Alice_Codes"])
    with get_engine(db).begin() as conn:
        dup = conn.execute(text("INSERT INTO users (leetcode_username) VALUES ('alice_codes') "
                                "ON CONFLICT DO NOTHING RETURNING id")).first()
        assert dup is None
        kind = conn.execute(text("SELECT data_type FROM information_schema.columns "
                                 "WHERE table_name = 'submission' AND column_name = 'id'")).scalar()
    assert kind == "bigint"


def test_only_one_current_leaderboard(db: str) -> None:
    open_board(db)
    with pytest.raises(Exception, match="uq_leaderboard_one_current"), get_engine(db).begin() as conn:
        conn.execute(text("INSERT INTO leaderboard (name, started_at) VALUES ('second', now())"))


def test_job_insert_notifies_with_the_job_id_only(db: str) -> None:
    [user_id] = add_users(db, ["notify_me"])
    board = open_board(db)
    with psycopg.connect(libpq_url(db), autocommit=True) as listener:
        listener.execute(f'LISTEN "{JOB_CHANNEL}"')
        with get_engine(db).begin() as conn:
            conn.execute(text("INSERT INTO problem (slug, title, difficulty, ac_rate) VALUES ('p', 'P', 'Easy', 0.5)"))
            conn.execute(text(
                "INSERT INTO submission (id, user_id, leaderboard_id, slug, title, difficulty, ac_rate, "
                "submitted_at, points) VALUES (3000000000, :u, :b, 'p', 'P', 'Easy', 0.5, now(), 0)"),
                {"u": user_id, "b": board})
            job_ids = conn.execute(text("INSERT INTO job (submission_id) VALUES (3000000000) RETURNING id")
                                   ).scalars().all()
        notes = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.payload for n in notes] == [str(job_ids[0])]
    assert notes[0].channel == JOB_CHANNEL
