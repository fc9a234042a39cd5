"""The base task: per-process clients, settings, and a log line with the duration of every run."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task

from codebloom import store
from codebloom.db import session_scope
from codebloom.lane import DetailLane
from codebloom.leetcode.client import LeetCodeClient
from codebloom.logs import fields
from codebloom.ops import CallCounter
from codebloom.secrets import Secret
from codebloom.settings import Settings, settings

log = logging.getLogger("codebloom.tasks")


class CodebloomTask(Task):
    """Owns what every task needs; subclasses stay thin. Task arguments are ids only."""

    abstract = True
    _client: LeetCodeClient | None = None
    _lane: DetailLane | None = None
    _calls: CallCounter | None = None
    _session_checked_at: float = 0.0

    @property
    def settings(self) -> Settings:
        return settings()

    @property
    def database_url(self) -> str:
        url = self.settings.database_url
        if not url:
            raise RuntimeError("DATABASE_URL is not set")
        return url

    def client(self) -> LeetCodeClient:
        """One keep-alive client per worker process; its session follows `codebloom session set`."""
        cls = CodebloomTask
        if cls._client is None:
            s = self.settings
            cls._calls = CallCounter(s.redis_url) if s.redis_url else None
            cls._client = LeetCodeClient(s.leetcode_base_url, s.leetcode_timeout, session=s.leetcode_session,
                                         csrf=s.leetcode_csrf, on_call=cls._calls)
        if time.monotonic() - cls._session_checked_at > self.settings.session_refresh:
            cls._session_checked_at = time.monotonic()
            with session_scope(self.database_url) as session:
                stored = store.latest_leetcode_session(session)
            if stored is not None:
                cls._client.session_cookie = Secret(stored[0])
                cls._client.csrf = Secret(stored[1] or "")
        return cls._client

    def lane(self) -> DetailLane:
        cls = CodebloomTask
        if cls._lane is None:
            s = self.settings
            if not s.redis_url:
                raise RuntimeError("REDIS_URL is not set")
            calls, seconds = s.detail_rate
            cls._lane = DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin)
        return cls._lane

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            if CodebloomTask._calls is not None:
                CodebloomTask._calls.flush()
            log.debug("task finished %s", fields(task=self.name, task_id=self.request.id,
                                                 seconds=round(time.perf_counter() - started, 3)))
