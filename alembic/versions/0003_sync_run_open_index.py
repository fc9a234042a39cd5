"""Partial index on each user's open sync run. Every ingest (and every recorded failure) finishes the user's open
run with ``WHERE user_id = :uid AND finished_at IS NULL``; through the (user_id, slot) key that visits every run
the user ever had, one more per cycle (48 a day, 17,520 a year), so the cost of a sync grew with the project's
age. The partial index holds only open runs: at most one or two per user.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_run_open", "sync_run", ["user_id"], unique=False,
                    postgresql_where=sa.text("finished_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_sync_run_open", table_name="sync_run", postgresql_where=sa.text("finished_at IS NULL"))
