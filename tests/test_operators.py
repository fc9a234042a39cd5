"""What operators use: Flower's HTTP API on real workers, `codebloom status`, the metrics endpoint, compose."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from codebloom.embedded import free_port
from codebloom.processes import codebloom_command, worker_command
from tests.conftest import ROOT, add_users, open_board, wait_until
from tests.pipeline import all_complete, backlog, sim_post, start_detail_workers
from tests.test_client import active_user

AUTH = ("ops", "s3cret-flower")


def _get(url: str, auth=AUTH) -> requests.Response:
    return requests.get(url, auth=auth, timeout=5)


def test_flower_shows_a_completed_sync_task_and_both_queues(db, services, simulator, supervisor) -> None:
    open_board(db)
    [user_id] = add_users(db, [active_user(simulator, 3)])
    port = free_port()
    supervisor.env.update({"LEETCODE_BASE_URL": simulator.url, "FLOWER_BASIC_AUTH": ":".join(AUTH)})
    supervisor.start("sync-worker", worker_command("sync", "sync", 1))
    start_detail_workers(supervisor, 1)
    supervisor.start("flower", codebloom_command("flower", "--port", str(port), "--address=127.0.0.1"))
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _ok(base + "/api/workers"), 60, "Flower to answer")
    assert requests.get(base + "/api/workers", timeout=5).status_code == 401  # basic auth is on
    wait_until(lambda: len(_get(base + "/api/workers?refresh=1").json()) >= 2, 30, "both workers in Flower")
    from tasks.sync import sync_user

    sync_user.delay(user_id)

    def completed_sync() -> list:
        tasks = _get(base + "/api/tasks").json()
        return [t for t in tasks.values() if t.get("name") == "sync.user" and t.get("state") == "SUCCESS"]

    [task] = wait_until(completed_sync, 60, "a SUCCESS sync.user task in Flower")
    assert task["args"] in (f"({user_id},)", f"[{user_id}]")
    workers = _get(base + "/api/workers").json()
    served = {q["name"] for info in workers.values() for q in info.get("active_queues", [])}
    assert {"sync", "leetcode-details"} <= served
    if services.broker_url.startswith("redis"):
        # Queue lengths come from the broker itself; on RabbitMQ Flower needs --broker_api (management plugin).
        lengths = {q["name"]: q["messages"] for q in _get(base + "/api/queues/length").json()["active_queues"]}
        assert {"sync", "leetcode-details"} <= set(lengths)
    # Persistent state: after a restart Flower still knows the task it saw before.
    supervisor.stop("flower")
    assert any(p.name.startswith("flower.db") for p in Path(supervisor.env["CODEBLOOM_HOME"]).iterdir())
    supervisor.start("flower-again", codebloom_command("flower", "--port", str(port), "--address=127.0.0.1"))
    wait_until(lambda: _ok(base + "/api/workers"), 60, "Flower to answer again")
    assert task["uuid"] in _get(base + "/api/tasks").json()


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code in (200, 401)
    except requests.ConnectionError:
        return False


def drain_small_backlog(db, simulator, supervisor, jobs: int) -> None:
    """``jobs`` real Jobs completed by one detail worker and the bridge (left running)."""
    ids = backlog(db, simulator, jobs)
    supervisor.env.update({"LEETCODE_BASE_URL": simulator.url})
    start_detail_workers(supervisor, 1)
    supervisor.start("bridge", codebloom_command("bridge"))
    wait_until(lambda: all_complete(db, len(ids)), 60, "the jobs complete")


def test_status_prints_one_screen(db, simulator, supervisor) -> None:
    drain_small_backlog(db, simulator, supervisor, 5)
    sim_post(simulator, "/_sim/users", {"username": "never_seen"})
    env = {**os.environ, **supervisor.env, "COLUMNS": "220"}
    out = subprocess.run(codebloom_command("status"), capture_output=True, text=True, env=env, timeout=60).stdout
    for expected in ("postgresql ok", "redis ok", "leetcode ok", "leetcode-details: detail-worker-0@",
                     "sync: NONE ONLINE", "COMPLETE 5", "detail lane", "running", "leaderboard"):
        assert expected in out, (expected, out)


def test_metrics_endpoint_reports_jobs_lane_and_calls(db, simulator, supervisor) -> None:
    drain_small_backlog(db, simulator, supervisor, 6)
    port = free_port()
    supervisor.start("metrics", codebloom_command("metrics", "--host", "127.0.0.1", "--port", str(port)))
    body = wait_until(lambda: _metrics(port), 30, "the metrics endpoint")
    assert 'codebloom_jobs{status="COMPLETE"} 6.0' in body
    assert 'codebloom_leetcode_calls_total{operation="submissionDetails",outcome="ok"} 6.0' in body
    assert "codebloom_detail_lane_paused" in body and "codebloom_oldest_due_job_age_seconds" in body
    assert 'codebloom_queue_length{queue="leetcode-details"}' in body


def _metrics(port: int) -> str | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.ConnectionError:
        return None


# -- compose ------------------------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    result = subprocess.run([shutil.which("check-jsonschema") or
                             os.path.join(os.path.dirname(sys.executable), "check-jsonschema"),
                             "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_keeps_the_operational_rules() -> None:
    services = _compose()["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "--maxmemory-policy" in services["redis"]["command"] and "noeviction" in services["redis"]["command"]
    for name in ("sync-worker", "detail-worker"):
        assert int(services[name]["stop_grace_period"].rstrip("s")) > 120  # the detail task's hard limit
    assert services["simulator"]["profiles"] == ["sim"]
    for name, service in services.items():
        if name not in ("postgres", "redis"):
            assert "healthcheck" in service or name in ("migrate",), f"{name} has no healthcheck"
    text = (ROOT / "docker-compose.yml").read_text() + (ROOT / "Dockerfile").read_text()
    assert "LEETCODE_SESSION=" not in text and "PASSWORD=" not in text.replace("POSTGRES_PASSWORD:", "")


@pytest.mark.parametrize("service", ["migrate", "beat", "bridge", "sync-worker", "detail-worker", "flower",
                                     "metrics", "simulator"])
def test_compose_entry_points_run_as_plain_commands(service) -> None:
    command = list(_compose()["services"][service]["command"])
    program = shutil.which(command[0], path=os.path.dirname(sys.executable))
    assert program, f"{command[0]} is not installed"
    help_command = [program, *command[1:3], "--help"] if command[0] == "celery" else [program, command[1], "--help"]
    result = subprocess.run(help_command, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 0, shlex.join(help_command) + "\n" + result.stderr[-1000:]
