"""Celery tasks: thin wrappers that call a service in codebloom/ and own the retry policy."""
