"""The Celery app: queues, routes, reliability settings and the beat schedule."""

from __future__ import annotations

from datetime import timedelta

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init
from kombu import Queue

from codebloom.db import dispose_engines
from codebloom.logs import install_redaction
from codebloom.settings import settings

SYNC_QUEUE = "sync"
DETAIL_QUEUE = "leetcode-details"
DETAIL_TASK = "leetcode.fetch_submission_details"

_s = settings()
if not _s.broker_url:
    raise RuntimeError("no broker: set CELERY_BROKER_URL or REDIS_URL, or start the embedded services with "
                       "`codebloom services`")

app = Celery("codebloom", include=["tasks.sync", "tasks.details", "tasks.maintenance"])
app.conf.update(
    broker_url=_s.broker_url,
    broker_connection_retry_on_startup=True,
    # Redis re-delivers an unacked message after visibility_timeout: keep it far above any task's time.
    broker_transport_options={"visibility_timeout": 3600},
    task_ignore_result=True,           # the Job table is the record; no result keys piling up in Redis
    task_acks_late=True,
    task_reject_on_worker_lost=True,   # a killed child requeues; the attempt cap on the Job ends poison pills
    worker_prefetch_multiplier=1,
    # Celery holds a rate-limited task on the worker's timer; the default 1 s precision turns a 0.1 s wait
    # into a 1 s one, so the per-worker limit would bind far below its nominal rate.
    worker_timer_precision=0.1,
    worker_send_task_events=True,
    task_send_sent_event=True,
    task_default_queue=SYNC_QUEUE,
    task_queues=(Queue(SYNC_QUEUE), Queue(DETAIL_QUEUE)),
    task_routes={DETAIL_TASK: {"queue": DETAIL_QUEUE}, "sync.*": {"queue": SYNC_QUEUE},
                 "maintenance.*": {"queue": SYNC_QUEUE}},
    task_annotations={DETAIL_TASK: {"rate_limit": _s.detail_rate_limit}} if _s.detail_rate_limit else {},
    timezone="UTC",
    enable_utc=True,
    worker_hijack_root_logger=True,
    beat_schedule={
        "plan-sync": {"task": "sync.plan", "schedule": timedelta(seconds=_s.sync_interval)},
        "refresh-problem-of-day": {"task": "maintenance.refresh_potd",
                                   "schedule": timedelta(seconds=_s.potd_interval)},
        "sweep-jobs": {"task": "maintenance.sweep", "schedule": timedelta(seconds=_s.sweep_interval)},
    },
)


@worker_process_init.connect
def _fresh_connections_after_fork(**_: object) -> None:
    dispose_engines()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_celery_logs(logger, **_: object) -> None:  # type: ignore[no-untyped-def]
    install_redaction(logger)
