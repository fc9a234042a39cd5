"""`codebloom shell`: a Python shell with the app, a DB session, the models and the tasks imported."""

from __future__ import annotations

import code
from typing import Any

BANNER = """codebloom shell. In scope: app, settings, db (a SQLAlchemy session), models, store, select,
User, Job, Submission, sync_user, plan_sync, fetch_submission_details, user_jobs, retry_failed.

  sync_user.delay(user_id("alice_codes"))      # sync one user now
  user_jobs("alice_codes")                     # a user's jobs with status, attempts, last error
  retry_failed()                               # put every FAILED job back in the queue
"""


def namespace() -> dict[str, Any]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import models
    from codebloom import store
    from codebloom.celery import app
    from codebloom.db import get_engine
    from codebloom.settings import load_settings
    from tasks.details import fetch_submission_details
    from tasks.sync import plan_sync, sync_user

    settings = load_settings()
    if not settings.database_url:
        raise RuntimeError("no database: set DATABASE_URL, or run `codebloom services` in another shell")
    db = Session(get_engine(settings.database_url))

    def user_id(username: str) -> int:
        found = store.user_id_by_name(db, username)
        if found is None:
            raise LookupError(f"unknown user {username!r}")
        return found

    def user_jobs(username: str) -> list[tuple[Any, ...]]:
        stmt = (select(models.Job.id, models.Job.status, models.Job.attempts, models.Job.last_error,
                       models.Submission.slug)
                .join(models.Submission, models.Submission.id == models.Job.submission_id)
                .where(models.Submission.user_id == user_id(username)).order_by(models.Job.id))
        return [tuple(row) for row in db.execute(stmt)]

    def retry_failed() -> int:
        count = store.retry_failed_jobs(db)
        db.commit()
        return count

    return {"app": app, "settings": settings, "db": db, "models": models, "store": store, "select": select,
            "User": models.User, "Job": models.Job, "Submission": models.Submission, "sync_user": sync_user,
            "plan_sync": plan_sync, "fetch_submission_details": fetch_submission_details, "user_id": user_id,
            "user_jobs": user_jobs, "retry_failed": retry_failed}


def run_shell() -> None:
    code.interact(banner=BANNER, local=namespace(), exitmsg="")
