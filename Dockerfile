# One image for every process; the command picks the role. No credentials are baked in.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN useradd --create-home --uid 10001 codebloom
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY codebloom ./codebloom
COPY tasks ./tasks
COPY models ./models
RUN pip install --no-cache-dir .
USER codebloom
# Exec form everywhere (see docker-compose.yml) so Celery is PID 1 and receives SIGTERM itself.
CMD ["codebloom", "--help"]
